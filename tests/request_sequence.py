"""The HTTP requests of one registration, as the fake server or the real proxy logged them.

Requests the SDK sends side by side arrive in any order among themselves, so the expected
sequence is a list of steps, each a set of requests (with counts) that must arrive together,
after the steps before it and before the steps after it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

_ENDPOINT = re.compile(r"/api/2\.0/mlflow/(.*)$")
_ARTIFACT = re.compile(r"/mlflow-artifacts/artifacts/")

Step = Counter[str]


def endpoint(method: str, path: str) -> str:
    """``"POST runs/create"``; artifact transfers as ``"PUT artifact"``; a logged model's own
    path as ``logged-models/{id}``."""
    if _ARTIFACT.search(path):
        return f"{method} artifact"
    found = _ENDPOINT.search(path)
    short = found.group(1) if found else path
    short = re.sub(r"^logged-models/[^/]+$", "logged-models/{id}", short)
    return f"{method} {short}"


def endpoints(records: Iterable[tuple[str, str]]) -> list[str]:
    return [endpoint(method, path) for method, path in records]


def step(*requests: str, times: int = 1) -> Step:
    return Counter({request: times for request in requests})


def as_steps(seen: Sequence[str], expected: Sequence[Step]) -> list[Step]:
    """``seen`` cut into consecutive steps of the sizes of ``expected``'s, to compare with it
    (the rest, if any, as one more step)."""
    cut: list[Step] = []
    start = 0
    for wanted in expected:
        size = sum(wanted.values())
        cut.append(Counter(seen[start : start + size]))
        start += size
    if start < len(seen):
        cut.append(Counter(seen[start:]))
    return cut
