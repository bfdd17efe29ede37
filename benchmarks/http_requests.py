"""Which HTTP requests one registration makes, and why each is needed.

The proxy logs every request (method, path, status, whose key); this module names each one and
says what the registration would lose without it. A request it cannot explain is listed as
such, and the registration row misses its goal: every request must earn its place.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# (method, pattern on the path after the MLflow REST prefix, what it is, why it is needed)
_REASONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "GET",
        r"model-versions/search",
        "search versions by idempotency key",
        "after the create: a create whose answer was lost and landed late is found and "
        "removed; before anything is created, only when the caller gave idempotency_key or on "
        "a retry: that registration finds the version it already made instead of making a "
        "second (a key made for the call cannot be held by any version before its first try)",
    ),
    (
        "GET",
        r"experiments/get-by-name",
        "find the experiment",
        "runs and logged models live in an experiment; its id is not known in advance (a "
        "registry's first registration only: the id is remembered, and looked up again only "
        "when a run cannot be created in it)",
    ),
    (
        "POST",
        r"experiments/create",
        "create the experiment",
        "first registration into a fresh registry only",
    ),
    (
        "POST",
        r"runs/create",
        "create the registration run",
        "the version's run_id: where metrics go and what MLflow's UI links to",
    ),
    (
        "POST",
        r"logged-models$",
        "create the logged model",
        "MLflow 3 keeps model files under a logged model; its artifact location is the "
        "version's source",
    ),
    (
        "PUT",
        r"mlflow-artifacts/artifacts/",
        "upload one model file",
        "the version must point at real files (MLmodel, the model, requirements, environment); "
        "straight to the location the logged model's create answered with; the smallest file "
        "alone (a refused upload stops there), then the others side by side",
    ),
    (
        "PATCH",
        r"logged-models/[^/]+$",
        "mark the logged model READY",
        "a logged model left PENDING reads as an unfinished upload (sent side by side with the "
        "run's end and the registered-model lookup)",
    ),
    (
        "POST",
        r"runs/update",
        "end the run",
        "a run left RUNNING reads as a registration still in progress",
    ),
    (
        "POST",
        r"runs/log-batch",
        "log metrics",
        "only when metrics= is given",
    ),
    (
        "GET",
        r"registered-models/get",
        "look up the registered model",
        "create it only if it does not exist (MLflow has no create-if-absent); sent side by "
        "side with the run's end; with alias=, MLflow's alias call also reads it (is the name "
        "a prompt's?)",
    ),
    (
        "POST",
        r"registered-models/create",
        "create the registered model",
        "first version of a name only",
    ),
    (
        "POST",
        r"model-versions/create",
        "create the version",
        "the registration itself",
    ),
    (
        "GET",
        r"model-versions/get",
        "read the version back",
        "only when the create answers PENDING_REGISTRATION (MLflow waits for READY), or when "
        "the version kept is an earlier one (a retried registration, a late duplicate): "
        "search results lack aliases, so that entry is read whole",
    ),
    (
        "POST",
        r"registered-models/alias",
        "set the alias",
        "only when alias= is given",
    ),
    (
        "GET",
        r"^/?health$|/health$",
        "probe",
        "auto mode: decide between the hosted registry and the local store",
    ),
)

_PREFIX = re.compile(r"^.*?/api/2\.0/(mlflow/)?|^.*?/ajax-api/2\.0/(mlflow/)?")


@dataclass(frozen=True)
class Explained:
    method: str
    path: str
    what: str
    why: str

    @property
    def explained(self) -> bool:
        return bool(self.why)


def endpoint(path: str) -> str:
    """The part of a proxied path that names the MLflow endpoint (mount and prefix removed)."""
    return _PREFIX.sub("", path, count=1)


def explain(method: str, path: str) -> Explained:
    short = endpoint(path)
    for wanted, pattern, what, why in _REASONS:
        # MLflow sends some reads as POST and some searches as GET, depending on its version.
        same_method = wanted == method or {wanted, method} <= {"GET", "POST"}
        if same_method and re.search(pattern, short):
            return Explained(method, short, what, why)
    return Explained(method, short, "not explained", "")


def explain_all(requests: Iterable[tuple[str, str]]) -> list[Explained]:
    return [explain(method, path) for method, path in requests]


def listing(explained: Sequence[Explained]) -> list[str]:
    """One line per distinct request, in first-seen order, with how many times it was made."""
    counts = Counter((e.method, e.what) for e in explained)
    seen: set[tuple[str, str]] = set()
    lines = []
    for item in explained:
        key = (item.method, item.what)
        if key in seen:
            continue
        seen.add(key)
        times = f" x{counts[key]}" if counts[key] > 1 else ""
        why = item.why or f"UNEXPLAINED ({item.path})"
        lines.append(f"{item.method} {item.what}{times}: {why}")
    return lines
