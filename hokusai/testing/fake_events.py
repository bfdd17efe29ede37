"""The data pipeline API's registration-event route, as the fake registry serves it.

``POST /api/models/tokenized-registration-events`` answers as production does, in its order:
401 without a known key, 403 for a key without a write scope, 422 for a body its schema refuses
(required fields, types, finite numbers, lengths), 429 with ``Retry-After`` past the per-key
limit (30 a minute by default; :class:`EventLimit` scales it down for tests), then 200 with the
production answer. A 502 (the site's hook failed) is injected like any fault::

    srv.inject(Fault.event_not_emitted(), path="tokenized-registration-events")

Every event taken (200) is kept, so tests assert on what the site was told::

    [e.payload["model_name"] for e in srv.registration_events]

Pure logic on a request's parts: the in-process fake and the integration tests' proxy both use it.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hokusai.testing.proxy_rules import KeyGrant, ProxyAnswer, presented_key

EVENTS_PATH = "/api/models/tokenized-registration-events"
_REQUIRED = (
    "model_name",
    "version",
    "token_id",
    "proposal_identifier",
    "metric_name",
    "mlflow_run_id",
)
_MEASUREMENT = ("eval_spec", "scorer_ref", "primary_metric", "benchmark_spec_id")
MAX_MEASUREMENT_LENGTH = 500


@dataclass(frozen=True)
class EventLimit:
    """At most ``requests`` events per key in each ``window`` seconds (production: 30 a minute).

    ``precise`` adds ``Retry-After-Ms`` to the 429 (production sends whole seconds only), so a
    test at a window of a fraction of a second does not wait whole seconds.
    """

    requests: int = 30
    window: float = 60.0
    precise: bool = False


@dataclass(frozen=True)
class ReceivedEvent:
    """One event the API took: the body as its schema read it, and whose key sent it."""

    payload: Mapping[str, Any]
    user: str

    @property
    def model_name(self) -> str:
        return str(self.payload["model_name"])

    @property
    def version(self) -> str:
        return str(self.payload["version"])


@dataclass
class _Window:
    started: float
    count: int = 0


@dataclass
class FakeEventsApi:
    """The route's state: the limit, each key's current window, the events taken."""

    limit: EventLimit = field(default_factory=EventLimit)
    clock: Callable[[], float] = time.monotonic
    # Told of each event taken: a server in another process keeps them where its tests can read.
    on_received: Callable[[ReceivedEvent], None] | None = None
    _windows: dict[str, _Window] = field(default_factory=dict)
    _received: list[ReceivedEvent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def received(self) -> list[ReceivedEvent]:
        with self._lock:
            return list(self._received)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._received.clear()

    def handle(
        self, headers: Mapping[str, str], url: str, body: bytes, keys: Mapping[str, KeyGrant]
    ) -> ProxyAnswer:
        key = presented_key(headers, url)
        if key is None:
            return ProxyAnswer(401, {"detail": "Authentication required"})
        grant = keys.get(key)
        if grant is None:
            return ProxyAnswer(401, {"detail": "Invalid or expired API key"})
        if not grant.can_write:
            return ProxyAnswer(
                403, {"detail": "Insufficient permissions: registration events need write access"}
            )
        payload, problems = validate(body)
        if problems:
            return ProxyAnswer(422, {"detail": problems})
        wait = self._admit(grant.user)
        if wait is not None:
            return _rate_limited(wait, self.limit)
        assert payload is not None
        event = ReceivedEvent(payload, grant.user)
        with self._lock:
            self._received.append(event)
        if self.on_received is not None:
            self.on_received(event)
        name, version = payload["model_name"], payload["version"]
        return ProxyAnswer(
            200,
            {
                "status": "ok",
                "model_id": f"{name}/{version}/{payload['token_id']}",
                "model_name": name,
                "version": version,
                "event_emitted": True,
                "detail": None,
            },
        )

    def _admit(self, user: str) -> float | None:
        """None when the request fits the user's window; else the seconds until it ends."""
        now = self.clock()
        with self._lock:
            window = self._windows.get(user)
            if window is None or now - window.started >= self.limit.window:
                window = self._windows[user] = _Window(now)
            if window.count >= self.limit.requests:
                return window.started + self.limit.window - now
            window.count += 1
            return None


def _rate_limited(wait: float, limit: EventLimit) -> ProxyAnswer:
    headers = {"Retry-After": str(max(1, math.ceil(wait)))}
    if limit.precise:
        headers["Retry-After-Ms"] = str(max(1, math.ceil(wait * 1000)))
    per = f"{limit.requests} per {limit.window:g} second"
    return ProxyAnswer(429, {"error": f"Rate limit exceeded: {per}"}, headers)


def validate(body: bytes) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The body as the API's schema reads it, or the problems it reports (its 422 ``detail``)."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None, [_problem((), "json_invalid", "JSON decode error")]
    if not isinstance(data, dict):
        return None, [_problem((), "model_attributes_type", "Input should be a valid dictionary")]
    problems: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for name in _REQUIRED:
        value = data.get(name)
        if name not in data:
            problems.append(_problem((name,), "missing", "Field required"))
        elif not isinstance(value, str) or not value.strip():
            problems.append(_problem((name,), "value_error", "must be a non-empty string"))
        else:
            out[name] = value.strip()
    for name, required in (("baseline_value", True), ("current_value", False)):
        if data.get(name) is None:
            if required:
                problems.append(_problem((name,), "missing", "Field required"))
            continue
        number = _number(data[name])
        if number is None:
            problems.append(_problem((name,), "float_type", "must be a finite number"))
        else:
            out[name] = number
    for name in ("model_uri", *_MEASUREMENT):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(_problem((name,), "value_error", f"{name} must be a non-empty string"))
        elif name in _MEASUREMENT and len(value.strip()) > MAX_MEASUREMENT_LENGTH:
            message = f"String should have at most {MAX_MEASUREMENT_LENGTH} characters"
            problems.append(_problem((name,), "string_too_long", message))
        else:
            out[name] = value.strip()
    schema = data.get("api_schema")
    if schema is not None and not isinstance(schema, dict):
        problems.append(_problem(("api_schema",), "dict_type", "Input should be a valid dict"))
    elif schema is not None:
        out["api_schema"] = schema
    tags = data.get("tags")
    if tags is not None:
        if not isinstance(tags, dict):
            problems.append(_problem(("tags",), "dict_type", "Input should be a valid dict"))
        else:
            bad = [k for k, v in tags.items() if not isinstance(v, str)]
            problems.extend(
                _problem(("tags", k), "string_type", "Input should be a valid string") for k in bad
            )
            out["tags"] = dict(tags)
    return (None, problems) if problems else (out, [])


def _number(value: object) -> float | None:
    # The schema's float is lax, as pydantic's is: numbers and numeric strings, never a bool.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _problem(where: tuple[str, ...], kind: str, message: str) -> dict[str, Any]:
    return {"type": kind, "loc": ["body", *where], "msg": message}
