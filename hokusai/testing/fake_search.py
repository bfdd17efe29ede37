"""The subset of MLflow's search language that the fake registry understands.

Filters are ``AND``-joined comparisons such as ``name = 'churn'``,
``tags.`stage` = 'prod'``, ``tag.team != 'ml'``, ``params.alpha = '0.5'``,
``metrics.rmse < 0.3``, ``name LIKE 'churn%'``, ``run_id IN ('a', 'b')`` or
``tags.owner IS NULL``. Anything else raises ``ValueError``, which the fake turns into
MLflow's ``INVALID_PARAMETER_VALUE``, so a test notices when it leans on syntax the fake lacks.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
# (kind, key) -> value; kind is "attribute", "tag", "param" or "metric"; None when absent.
Lookup = Callable[[str, str], object]

_KINDS = {
    "tag": "tag",
    "tags": "tag",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "metric": "metric",
    "metrics": "metric",
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "run": "attribute",
}
_QUOTED = r"`[^`]+`|\"[^\"]+\""
_CLAUSE = re.compile(
    rf"""\s*(?P<ident>(?:{_QUOTED})|[\w\-]+(?:\.(?:{_QUOTED}|[\w.\-]+))?)\s*
    (?P<op>!=|>=|<=|=|>|<|(?:NOT\s+)?I?LIKE\b|(?:NOT\s+)?IN\b|IS\s+(?:NOT\s+)?NULL\b)\s*
    (?P<value>'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?|\([^)]*\))?\s*(?:AND\b|$)""",
    re.IGNORECASE | re.VERBOSE,
)
_LIST_ITEM = re.compile(r"\s*('[^']*'|\"[^\"]*\")\s*(?:,|$)")


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


def parse_filter(text: str | None) -> list[Clause]:
    """Parse a filter string into clauses; an empty filter matches everything."""
    clauses: list[Clause] = []
    text = (text or "").strip()
    pos = 0
    while pos < len(text):
        match = _CLAUSE.match(text, pos)
        if match is None:
            raise ValueError(f"Unsupported or malformed filter near {text[pos:]!r}")
        clauses.append(_clause(match))
        pos = match.end()
    return clauses


def matches_all(clauses: Sequence[Clause], lookup: Lookup) -> bool:
    return all(clause.matches(lookup) for clause in clauses)


def _clause(match: re.Match[str]) -> Clause:
    kind, key = _identifier(match["ident"])
    op = " ".join(match["op"].upper().split())
    raw = match["value"]
    if raw is None and not op.startswith("IS"):
        raise ValueError(f"Missing value after {match['ident']} {op}")
    return Clause(kind, key, op, _literal(raw) if raw is not None else None)


def _identifier(ident: str) -> tuple[str, str]:
    prefix, dot, rest = ident.partition(".")
    if dot and prefix.lower() in _KINDS and not prefix.startswith(("`", '"')):
        return _KINDS[prefix.lower()], _unquote(rest)
    return "attribute", _unquote(ident)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "`\"'":
        return text[1:-1]
    return text


def _literal(raw: str) -> object:
    if raw.startswith("("):
        inner = raw[1:-1]
        items = _LIST_ITEM.findall(inner)
        if not items:
            raise ValueError(f"Malformed list {raw!r}")
        return [_unquote(item) for item in items]
    if raw[0] in "'\"":
        return _unquote(raw)
    return float(raw)


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


def order(items: list[T], order_by: Sequence[str], lookup: Callable[[T, str], object]) -> list[T]:
    """Sort by MLflow ``order_by`` strings (``"name"``, ``"version_number DESC"``)."""
    ordered = list(items)
    # Stable sorts applied from the least to the most significant key.
    for spec in reversed(order_by):
        field, _, direction = spec.strip().partition(" ")
        descending = direction.strip().upper() == "DESC"
        ordered.sort(key=lambda item: _sort_key(lookup(item, field)), reverse=descending)
    return ordered


def _sort_key(value: object) -> tuple[int, float, str]:
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, "" if value is None else str(value))


def page(items: Sequence[T], max_results: int, page_token: str | None) -> tuple[list[T], str]:
    """One page of ``items`` and the token for the next one ("" when there is none)."""
    try:
        start = int(page_token) if page_token else 0
    except ValueError as exc:
        raise ValueError(f"Invalid page token {page_token!r}") from exc
    end = start + max_results
    return list(items[start:end]), (str(end) if end < len(items) else "")
