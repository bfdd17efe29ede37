"""MLflow's search language for the fake registry: MLflow parses, the fake evaluates.

Filters and ``order_by`` clauses are parsed by MLflow's own ``SearchUtils`` family (the classes
the tracking server uses), so whatever the server refuses (unknown attributes, comparators an
attribute does not support, ``OR``, unquoted strings, bad sort keys) the fake refuses with the
same ``INVALID_PARAMETER_VALUE``. The parsed clauses are then evaluated on the fake's records,
each of which answers ``lookup(kind, key)``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from mlflow.utils.search_utils import SearchUtils

T = TypeVar("T")
# (kind, key) -> value; kind is "attribute", "tag", "param" or "metric"; None when absent.
Lookup = Callable[[str, str], object]
# (kind, key, ascending), as MLflow's order_by parsers return it.
SortKey = tuple[str, str, bool]

_COMPARATORS = frozenset(
    {"=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN"}
    | {"IS NULL", "IS NOT NULL"}
)
_KINDS = {"parameter": "param", "params": "param", "tags": "tag", "metrics": "metric"}


@dataclass(frozen=True)
class Clause:
    kind: str
    key: str
    op: str
    value: object

    def matches(self, lookup: Lookup) -> bool:
        actual = lookup(self.kind, self.key)
        if self.op in ("IS NULL", "IS NOT NULL"):
            return (actual is None) == (self.op == "IS NULL")
        return actual is not None and _compare(actual, self.op, self.value)


def parse_filter(text: str | None, grammar: type[SearchUtils] = SearchUtils) -> list[Clause]:
    """Parse a filter with ``grammar`` (an MLflow ``Search*Utils`` class); raises its errors."""
    return [_clause(parsed) for parsed in grammar.parse_search_filter(text or "")]  # type: ignore[no-untyped-call]


def _clause(parsed: dict[str, Any]) -> Clause:
    op = " ".join(str(parsed["comparator"]).upper().split())
    if op not in _COMPARATORS:  # the parser lets some through that the store then refuses
        raise ValueError(f"Invalid comparator '{parsed['comparator']}'")
    kind = _KINDS.get(parsed["type"], parsed["type"])
    value = parsed["value"]
    if isinstance(value, tuple | list):
        value = [str(item) for item in value]
    elif kind == "metric" or (isinstance(value, int | float) and not isinstance(value, bool)):
        value = float(value)
    return Clause(kind, parsed["key"], op, value)


def parse_order(
    order_by: Sequence[str], parser: Callable[[str], tuple[str, str, bool]]
) -> list[SortKey]:
    """``order_by`` clauses through MLflow's parser for the endpoint; raises its errors."""
    keys = []
    for spec in order_by:
        kind, key, ascending = parser(spec)
        keys.append((_KINDS.get(kind, kind), key, ascending))
    return keys


def default_order(*specs: str) -> list[SortKey]:
    """Sort keys written as ``"field DESC"``: the orders the server applies by itself."""
    keys = []
    for spec in specs:
        field, _, direction = spec.partition(" ")
        keys.append(("attribute", field, direction.strip().upper() != "DESC"))
    return keys


def matches_all(clauses: Sequence[Clause], lookup: Lookup) -> bool:
    return all(clause.matches(lookup) for clause in clauses)


def _compare(actual: object, op: str, expected: object) -> bool:
    if op in ("IN", "NOT IN"):
        found = str(actual) in (expected if isinstance(expected, list) else [])
        return found == (op == "IN")
    if op.endswith("LIKE"):
        hit = _like(str(actual), str(expected), ignore_case=op.endswith("ILIKE"))
        return hit != op.startswith("NOT")
    left, right = _comparable(actual, expected)
    return _ORDERINGS[op](left, right)


def _comparable(actual: object, expected: object) -> tuple[object, object]:
    # Numeric literals compare numerically (metrics, version numbers); everything else as text.
    if isinstance(expected, float):
        try:
            return float(str(actual)), expected
        except ValueError:
            return str(actual), str(expected)
    return str(actual), str(expected)


_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _like(value: str, pattern: str, *, ignore_case: bool) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def order(
    items: list[T], keys: Sequence[SortKey], lookup: Callable[[T, str, str], object]
) -> list[T]:
    """Sort by ``keys``, the first the most significant."""
    ordered = list(items)
    # Stable sorts applied from the least to the most significant key.
    for kind, key, ascending in reversed(keys):
        ordered.sort(key=lambda item: _sort_key(lookup(item, kind, key)), reverse=not ascending)
    return ordered


def _sort_key(value: object) -> tuple[int, float, str]:
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, "" if value is None else str(value))


def page(items: Sequence[T], max_results: int, page_token: str | None) -> tuple[list[T], str]:
    """One page of ``items`` and the token for the next one ("" when there is none).

    Tokens are MLflow's own (an offset, base64-encoded JSON), so a token from elsewhere is
    refused as the server refuses it.
    """
    start = int(SearchUtils.parse_start_offset_from_page_token(page_token or None))  # type: ignore[no-untyped-call]
    end = start + max(max_results, 0)
    if end >= len(items):
        return list(items[start:end]), ""
    # MLflow makes the token as bytes; its server sends their text (str() would add "b'...'").
    token: bytes = SearchUtils.create_page_token(end)  # type: ignore[no-untyped-call]
    return list(items[start:end]), token.decode("ascii")
