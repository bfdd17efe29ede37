"""Scripted failures for the fake registry: what the network and the proxy do when things go wrong.

A :class:`Fault` is one bad answer (an HTTP status with a body, or a connection-level error);
an :class:`Injection` says which requests get it::

    srv.inject(Fault.rate_limited(), path=r"registered-models/create")      # the next one
    srv.inject(Fault.status(503), method="GET", times=3)                    # the next three GETs
    srv.inject(Fault.reset(), method="PUT", path=r"mlflow-artifacts", after=2)  # the third upload
    srv.inject(Fault.applied_then_lost(), path=r"model-versions/create")    # applied, answer lost

``times`` counts *requests*, not client calls. MLflow's client retries (urllib3,
``MLFLOW_HTTP_REQUEST_MAX_RETRIES``, default 7) 429 and 5xx answers and, for every method,
refused connections, timeouts, resets and lost answers; every retry is a request that an
injection may answer again. The fake replays those retries as urllib3 would, without the
back-off sleeps, and raises what ``requests`` raises once they run out; so a timeout costs no
wall-clock time. Through MLflow's session every connection-level fault ends as
``requests.exceptions.ConnectionError`` (a ``MaxRetryError`` inside), read timeouts included;
plain ``requests`` (no retries) gives ``ReadTimeout``/``ConnectTimeout``/``ConnectionError``.
"""

from __future__ import annotations

import errno
import json as jsonlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from http.client import RemoteDisconnected
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from hokusai.support.compat import StrEnum
from hokusai.testing.proxy_rules import MLFLOW_MOUNT, KeyGrant, ProxyAnswer, check_request

_JSON = {"Content-Type": "application/json"}
_HTML_PAGE = (
    "<html><head><title>{status} Error</title></head>"
    "<body><center><h1>{status} Error</h1></center><hr><center>nginx</center></body></html>"
)
# Any key string serves to ask proxy_rules which answer a kind of key gets: only the grant matters.
_PROBE_KEY = "hk_test_fault-probe"


class FaultKind(StrEnum):
    """What reaches the client: an HTTP answer, or an exception from ``requests``."""

    STATUS = "status"
    REFUSED = "refused"
    READ_TIMEOUT = "read_timeout"
    CONNECT_TIMEOUT = "connect_timeout"
    RESET = "reset"
    APPLIED_THEN_LOST = "applied_then_lost"


@dataclass(frozen=True)
class Fault:
    """One failure; build it with the named constructors rather than by hand."""

    kind: FaultKind
    http_status: int | None = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # An HTTP answer given after the server did the work (an upstream 503 after a write).
    applied: bool = False

    # -- HTTP answers -------------------------------------------------------------------
    @classmethod
    def status(
        cls,
        code: int,
        *,
        json: Mapping[str, Any] | None = None,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Any HTTP status, with a JSON body, a raw body (text, HTML, bytes) or none."""
        if json is not None and body is not None:
            raise ValueError("give json or body, not both")
        merged = dict(_JSON if json is not None else {})
        merged.update(headers or {})
        if json is not None:
            raw = jsonlib.dumps(dict(json)).encode()
        else:
            raw = body.encode() if isinstance(body, str) else (body or b"")
        return cls(FaultKind.STATUS, code, raw, MappingProxyType(merged))

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        """An HTML error page, as a load balancer in front of the proxy sends it."""
        page = _HTML_PAGE.format(status=status)
        return cls.status(status, body=page, headers={"Content-Type": "text/html"})

    @classmethod
    def text(cls, status: int, text: str) -> Fault:
        """A plain-text, non-JSON body."""
        return cls.status(status, body=text, headers={"Content-Type": "text/plain"})

    @classmethod
    def proxy_answer(cls, answer: ProxyAnswer) -> Fault:
        """Replay one of the proxy's own answers (see ``proxy_rules``)."""
        return cls.status(answer.status, json=answer.body, headers=answer.headers)

    def after_applying(self) -> Fault:
        """The same answer, given only after the request was served (its write applied)."""
        if self.kind is not FaultKind.STATUS:
            raise ValueError("only an HTTP answer can follow the applied request")
        return replace(self, applied=True)

    # -- the production proxy's answers (docs: hokusai-proxy-contract) ---------------------
    @classmethod
    def key_required(cls) -> Fault:
        """401 ``API key required``."""
        return cls.proxy_answer(_rule_answer(None, present_key=False))

    @classmethod
    def invalid_key(cls) -> Fault:
        """401 ``Invalid or expired API key``, e.g. a key revoked mid-session."""
        return cls.proxy_answer(_rule_answer(None, present_key=True))

    @classmethod
    def registry_admin_required(cls) -> Fault:
        """403 ``REGISTRY_ADMIN_REQUIRED``."""
        return cls.proxy_answer(_rule_answer(KeyGrant("probe", registry_access=False)))

    @classmethod
    def forbidden(cls) -> Fault:
        """403 ``FORBIDDEN``: the key lacks a write scope."""
        grant = KeyGrant("probe", scopes=frozenset({"model:read"}))
        return cls.proxy_answer(_rule_answer(grant, method="POST"))

    @classmethod
    def insufficient_balance(cls) -> Fault:
        """402, as the proxy answers on paid (non-registry) paths."""
        return cls.status(402, json={"error": "INSUFFICIENT_BALANCE"})

    @classmethod
    def rate_limited(cls) -> Fault:
        """429 with ``Retry-After: 60``."""
        return cls.status(429, json={"error": "RATE_LIMITED"}, headers={"Retry-After": "60"})

    @classmethod
    def auth_unavailable(cls) -> Fault:
        """503 with ``Retry-After: 1``: key validation failed on the proxy's side."""
        return cls.status(
            503, json={"error": "AUTH_SERVICE_UNAVAILABLE"}, headers={"Retry-After": "1"}
        )

    @classmethod
    def artifacts_disabled(cls) -> Fault:
        """503 ``ARTIFACTS_DISABLED``: artifact serving is switched off upstream."""
        return cls.status(503, json={"error": "ARTIFACTS_DISABLED"})

    @classmethod
    def bad_gateway(cls) -> Fault:
        """502: MLflow upstream unreachable."""
        return cls.status(502, json={"error": "MLFLOW_UNREACHABLE"})

    @classmethod
    def event_not_emitted(cls) -> Fault:
        """502 from the registration-event route: the site's hook failed (nothing was told)."""
        return cls.status(502, json={"detail": "Failed to emit model registration event"})

    @classmethod
    def gateway_timeout(cls) -> Fault:
        """504: MLflow upstream took over 30 s."""
        return cls.status(504, json={"error": "MLFLOW_TIMEOUT"})

    @classmethod
    def internal_error(cls) -> Fault:
        """500 with MLflow's own error shape."""
        body = {"error_code": "INTERNAL_ERROR", "message": "injected internal error"}
        return cls.status(500, json=body)

    # -- connection-level failures --------------------------------------------------------
    @classmethod
    def refused(cls) -> Fault:
        """Nothing listens: ``requests.exceptions.ConnectionError``."""
        return cls(FaultKind.REFUSED)

    @classmethod
    def timeout(cls, *, connect: bool = False) -> Fault:
        """No answer in time (``connect=True``: no connection in time).

        Plain ``requests`` raises ``ReadTimeout`` (``ConnectTimeout``); MLflow's retrying
        session turns a read timeout into a ``ConnectionError`` once its retries run out.
        """
        return cls(FaultKind.CONNECT_TIMEOUT if connect else FaultKind.READ_TIMEOUT)

    @classmethod
    def reset(cls) -> Fault:
        """The peer resets the connection after reading the body; nothing is stored."""
        return cls(FaultKind.RESET)

    @classmethod
    def applied_then_lost(cls) -> Fault:
        """The request is served (a write is applied), then the answer never arrives."""
        return cls(FaultKind.APPLIED_THEN_LOST)

    def interrupt(self, request: requests.PreparedRequest) -> InjectedConnectionFault:
        """What the fake raises for this connection-level fault (see ``emulate_urllib3``)."""
        return InjectedConnectionFault(_urllib3_error(self.kind, request))


def _rule_answer(
    grant: KeyGrant | None, *, present_key: bool = True, method: str = "GET"
) -> ProxyAnswer:
    # Asking proxy_rules itself keeps the fault bodies identical to the real answers.
    keys = {_PROBE_KEY: grant} if grant is not None else {}
    headers = {"Authorization": f"Bearer {_PROBE_KEY}"} if present_key else {}
    answer = check_request(method, MLFLOW_MOUNT + "/", headers, keys)
    if answer is None:  # pragma: no cover - the probes above are all rejected by design
        raise AssertionError("proxy_rules forwarded a probe it should have answered")
    return answer


class InjectedConnectionFault(Exception):
    """Raised by the fake's callback; ``emulate_urllib3`` turns it into what requests raises."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _pool(url: str) -> HTTPConnectionPool:
    # Constructing a pool or a connection opens nothing; they only make messages realistic.
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    if parts.scheme == "https":
        return HTTPSConnectionPool(host, parts.port or 443)
    return HTTPConnectionPool(host, parts.port or 80)


def _urllib3_error(kind: FaultKind, request: requests.PreparedRequest) -> Exception:
    """The low-level error urllib3 meets for this fault, before retries and requests see it."""
    pool = _pool(str(request.url))
    timeout = getattr(request, "req_kwargs", {}).get("timeout")
    conn = (
        HTTPSConnection(pool.host, pool.port)
        if pool.scheme == "https"
        else HTTPConnection(pool.host, pool.port)
    )
    if kind is FaultKind.REFUSED:
        reason = f"[Errno {errno.ECONNREFUSED}] Connection refused"
        return NewConnectionError(conn, f"Failed to establish a new connection: {reason}")
    if kind is FaultKind.CONNECT_TIMEOUT:
        return ConnectTimeoutError(
            conn, f"Connection to {pool.host} timed out. (connect timeout={timeout})"
        )
    if kind is FaultKind.READ_TIMEOUT:
        return ReadTimeoutError(pool, str(request.url), f"Read timed out. (read timeout={timeout})")
    if kind is FaultKind.RESET:
        reset = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
        return ProtocolError("Connection aborted.", reset)
    lost = RemoteDisconnected("Remote end closed connection without response")
    return ProtocolError("Connection aborted.", lost)


def emulate_urllib3(retries: Retry, request: requests.PreparedRequest, error: Exception) -> Retry:
    """Do what urllib3 and requests do with a connection-level error.

    ``responses`` replaces the adapter's ``send``, and with it urllib3's retries of failed
    connections and reads; MLflow's session retries those for every method. So: count the
    attempt against ``retries`` and return the retries left for the next attempt, or raise
    the exception requests would raise. The back-off sleep is skipped, as ``responses``
    skips it for retried statuses.
    """
    pool = _pool(str(request.url))
    try:
        return retries.increment(request.method, request.path_url, error=error, _pool=pool)
    except MaxRetryError as exhausted:
        reason = exhausted.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            raise requests.exceptions.ConnectTimeout(exhausted, request=request) from None
        raise requests.exceptions.ConnectionError(exhausted, request=request) from None
    except ReadTimeoutError as not_retried:
        raise requests.exceptions.ReadTimeout(not_retried, request=request) from None
    except (ProtocolError, OSError) as not_retried:
        raise requests.exceptions.ConnectionError(not_retried, request=request) from None


@dataclass
class Injection:
    """A fault scheduled for requests matching ``method`` and the ``path`` regex.

    The first ``after`` matching requests pass; the next ``times`` get the fault
    (``times=None``: every one from then on). ``seen`` and ``fired`` count requests.
    """

    fault: Fault
    method: str | None = None
    path: re.Pattern[str] | None = None
    times: int | None = 1
    after: int = 0
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if (self.times is not None and self.times < 1) or self.after < 0:
            raise ValueError("times must be >= 1 (or None for always) and after >= 0")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or self.path.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def observe(self, free: bool) -> bool:
        # Called once per matching request; True when this request gets the fault. A request
        # already answered by an earlier injection (not ``free``) still counts towards ``after``.
        self.seen += 1
        if not free or self.seen <= self.after or self.exhausted:
            return False
        self.fired += 1
        return True


class FaultPlan:
    """The scheduled faults of one fake server, safe to consult from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._injections: list[Injection] = []

    def add(self, injection: Injection) -> Injection:
        with self._lock:
            self._injections.append(injection)
        return injection

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any; every matching injection counts the request."""
        chosen: Fault | None = None
        with self._lock:
            for injection in self._injections:
                if injection.matches(method, path) and injection.observe(chosen is None):
                    chosen = injection.fault
        return chosen

    def pending(self) -> list[Injection]:
        with self._lock:
            return [i for i in self._injections if not i.exhausted]

    def clear(self) -> None:
        with self._lock:
            self._injections.clear()
