"""Remember the last HTTP answer the registry gave inside an operation.

MLflow turns a proxy's ``{"error": ...}`` body into ``INTERNAL_ERROR`` and drops the status
code, so errors cannot be classified from MLflow's exceptions. ``BearerAuth`` attaches a
response hook while an operation is traced, and the classifier reads the real status and body.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass(frozen=True)
class SeenResponse:
    method: str
    url: str
    status: int
    body: Mapping[str, Any] | None
    headers: Mapping[str, str]


@dataclass
class ResponseLog:
    """The last error answer of an operation; MLflow's download threads write to it too."""

    last_error: SeenResponse | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, response: requests.Response, *_args: object, **_kwargs: object) -> None:
        if response.status_code < 400 and not html_from_api(response):
            return
        seen = SeenResponse(
            method=response.request.method or "",
            url=response.url,
            status=response.status_code,
            body=json_body(response),
            headers=dict(response.headers),
        )
        with self._lock:
            self.last_error = seen

    def outlived(self, answers: list[SeenResponse | None]) -> None:
        """Forget answers that a repeat of their request got past (the transport's retried
        429s): they no longer explain anything that fails later."""
        with self._lock:
            if any(self.last_error is seen for seen in answers):
                self.last_error = None


def html_from_api(response: requests.Response) -> bool:
    """An HTML page where MLflow's REST API answers JSON: a captive portal or a wrong host.

    Kept like an error answer, as it is the cause of the failure MLflow reports next.
    """
    api = any(f"/api/{v}/mlflow/" in response.url for v in ("2.0", "3.0"))
    content_type = response.headers.get("Content-Type", "").lower()
    return api and content_type.startswith("text/html")


def json_body(response: requests.Response) -> Mapping[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


_current: contextvars.ContextVar[ResponseLog | None] = contextvars.ContextVar(
    "hokusai_response_log", default=None
)


@contextmanager
def traced() -> Iterator[ResponseLog]:
    log = ResponseLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def current() -> ResponseLog | None:
    """The log of the operation running in this thread, to hand to threads MLflow starts."""
    return _current.get()


def attach(request: requests.PreparedRequest, log: ResponseLog | None = None) -> None:
    """Called by the auth hook for requests to our registry: log their answers if traced.

    ``log`` is for threads that do not see this thread's context (MLflow's download pool).
    """
    log = log or _current.get()
    if log is not None:
        request.register_hook("response", log.record)  # type: ignore[no-untyped-call]
