"""A fake Hokusai registry, in process: the authenticating proxy plus the MLflow server behind it.

Real ``mlflow.MlflowClient`` code (and anything built on ``requests``) talks to it as it would
to ``https://registry.hokus.ai``, the way ``moto`` fakes a cloud. Requests to the fake's base
URL never leave the process; requests to loopback (``127.0.0.1``, ``localhost``) pass through
to real servers; any other host is refused, so a test cannot reach the internet by accident.

As a context manager::

    from hokusai.testing.fake_server import ALICE_KEY, FakeRegistryServer

    with FakeRegistryServer() as srv:
        registry = ModelRegistry(srv.tracking_uri, api_key=ALICE_KEY)
        entry = registry.register_model(model, "churn")
        assert srv.model_versions("churn")[0].version == int(entry.version)

As a decorator (each call gets a fresh state)::

    srv = FakeRegistryServer()

    @srv
    def test_register():
        ...
        assert srv.model_versions("churn")[0].source.startswith("mlflow-artifacts:/")

With ``start()``/``stop()``, or as the pytest fixture ``fake_registry`` (from the ``hokusai``
pytest plugin)::

    def test_rate_limit(fake_registry):
        fake_registry.inject(Fault.rate_limited(), path=r"registered-models/create")
        ...

Every request first meets the proxy's rules (``proxy_rules.check_request``: 401, 403, 404 as
production answers them), then the in-memory MLflow server (:mod:`fake_state`) under the
upstream path. Scripted failures (:mod:`faults`) come before both, as the network would.
The data pipeline API's registration-event route is served beside them (:mod:`fake_events`).
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ParamSpec, TypeVar
from unittest import mock
from urllib.parse import urlsplit

import responses
from requests import PreparedRequest
from requests.adapters import HTTPAdapter

from hokusai.connection import request_auth
from hokusai.testing.fake_api import ApiReply
from hokusai.testing.fake_entities import ModelVersion
from hokusai.testing.fake_events import EVENTS_PATH, EventLimit, FakeEventsApi, ReceivedEvent
from hokusai.testing.fake_state import FakeMlflowState
from hokusai.testing.faults import (
    Fault,
    FaultKind,
    FaultPlan,
    InjectedConnectionFault,
    Injection,
    emulate_urllib3,
)
from hokusai.testing.proxy_rules import (
    HEALTH_PATH,
    MLFLOW_MOUNT,
    KeyGrant,
    ProxyAnswer,
    check_request,
    presented_key,
    upstream_path,
)

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_BASE_URL = "https://registry.hokus.ai"
# The same keys as the repository's fixtures/keys.json, so tests can use either.
ALICE_KEY = "hk_live_L2vHyFA1qQmlcrk0zRHjlMUeUZGvpxuVoaqK"
BOB_KEY = "hk_test_4K0hzNjWqGL3kQ6u1x1YmTIzlndLXQPUjapA"
READER_KEY = "hk_live_H8iJgMnpdqnL6xl50oF4BQ1sIiioYJFScpVI"
OUTSIDER_KEY = "hk_live_SNwQXryKVwLXT9swyDPwSPYhXFf5O46w5DMn"
DEFAULT_KEYS: Mapping[str, KeyGrant] = MappingProxyType(
    {
        ALICE_KEY: KeyGrant("alice"),
        BOB_KEY: KeyGrant("bob"),
        READER_KEY: KeyGrant("reader", scopes=frozenset({"model:read"})),
        OUTSIDER_KEY: KeyGrant(
            "outsider", scopes=frozenset({"model:read", "model:write"}), registry_access=False
        ),
    }
)

AUTH_SWITCH = "MLFLOW_TRACKING_AUTH"
_LOOPBACK = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?#]|$)")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_DOWN_KINDS: dict[str, Callable[[], Fault]] = {
    "refused": Fault.refused,
    "timeout": Fault.timeout,
    "connect_timeout": functools.partial(Fault.timeout, connect=True),
}
_Reply = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it. Keys are never stored: only whose key it was."""

    method: str
    path: str  # without the query string, which may carry ?api_key=
    status: int | None  # None: the client got a connection error instead of an answer
    key_presented: bool
    user: str | None  # the key's owner, None for no key or an unknown one
    fault: str | None = None  # the FaultKind that shaped the answer, if any


class FakeRegistryServer:
    """The fake registry; see the module docstring for the ways to run it.

    ``tracking_uri`` is what MLflow is pointed at and ``health_url`` the unauthenticated
    health check. ``state`` holds the MLflow data (:class:`FakeMlflowState`), ``faults`` the
    scheduled failures, ``requests`` the log of what was asked, and ``mock`` the underlying
    ``responses.RequestsMock``. Keys default to ``DEFAULT_KEYS``.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        keys: Mapping[str, KeyGrant] | None = None,
        *,
        event_limit: EventLimit | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # The data pipeline API's registration-event route (hokusai.testing.fake_events).
        self.events_url = f"{self.base_url}{EVENTS_PATH}"
        self.events = FakeEventsApi(event_limit or EventLimit())
        self.tracking_uri = f"{self.base_url}{MLFLOW_MOUNT}"
        self.health_url = f"{self.base_url}{HEALTH_PATH}"
        self.state = FakeMlflowState()
        self.faults = FaultPlan()
        self._keys = dict(DEFAULT_KEYS if keys is None else keys)
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._down: Fault | None = None
        self._own_url = re.compile(re.escape(self.base_url) + r"(?:[/?#]|$)")
        self.started_on: int | None = None  # thread ident; see _Router.pick
        self._auth_switch: str | None = None  # MLFLOW_TRACKING_AUTH before start()
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.add_passthru(_LOOPBACK)
        for method in _METHODS:
            # Every reply names its own type; an upload's empty answer has none, as MLflow's.
            self.mock.add_callback(method, self._own_url, callback=self._respond, content_type=None)

    # -- running ----------------------------------------------------------------------------
    def start(self) -> FakeRegistryServer:
        self.started_on = threading.get_ident()
        if not self.running:
            self._auth_switch = os.environ.get(AUTH_SWITCH)
        _ROUTER.attach(self)
        return self

    def stop(self) -> None:
        """Stop serving, and leave the process as ``start`` found it.

        Registries made against the fake keep their key bound until closed or collected; a
        test that leaves one open would lend that key to later tests' plain MLflow requests.
        So stopping forgets every key bound under the fake's URL and, when no key stays bound
        anywhere, restores MLflow's auth switch (``MLFLOW_TRACKING_AUTH``) as it was.
        """
        was_running = self.running
        _ROUTER.detach(self)
        if not was_running or any(s.base_url == self.base_url for s in _ROUTER.running()):
            return
        remaining = request_auth.release_under(self.base_url)
        if remaining == 0 and self._auth_switch is None:
            os.environ.pop(AUTH_SWITCH, None)
        elif self._auth_switch is not None:
            os.environ[AUTH_SWITCH] = self._auth_switch

    @property
    def running(self) -> bool:
        return _ROUTER.is_attached(self)

    def __enter__(self) -> FakeRegistryServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        """Decorate a function to run it against this server, starting from a fresh state."""

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            self.reset()
            with self:
                return func(*args, **kwargs)

        return wrapper

    def owns(self, url: str) -> bool:
        return self._own_url.match(url) is not None

    def __repr__(self) -> str:
        with self._lock:
            users = sorted(grant.user for grant in self._keys.values())
        running = self.running
        return f"FakeRegistryServer(base_url={self.base_url!r}, users={users}, running={running})"

    # -- keys -------------------------------------------------------------------------------
    def add_key(self, key: str, grant: KeyGrant) -> None:
        with self._lock:
            self._keys[key] = grant

    def remove_key(self, key: str) -> None:
        """Revoke a key: later requests with it get 401 ``Invalid or expired API key``."""
        with self._lock:
            self._keys.pop(key, None)

    # -- faults -----------------------------------------------------------------------------
    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        times: int | None = 1,
        after: int = 0,
    ) -> Injection:
        """Answer matching requests with ``fault``; see :mod:`hokusai.testing.faults`.

        ``path`` is a regex searched in the request path (mount included, query excluded).
        ``times`` counts requests, and MLflow's retries are requests too.
        """
        pattern = re.compile(path) if isinstance(path, str) else path
        return self.faults.add(Injection(fault, method, pattern, times, after))

    def go_down(self, kind: str = "refused") -> None:
        """Fail every request, health checks included: "refused", "timeout", "connect_timeout"."""
        if kind not in _DOWN_KINDS:
            raise ValueError(f"kind must be one of {sorted(_DOWN_KINDS)}")
        with self._lock:
            self._down = _DOWN_KINDS[kind]()

    def come_back(self) -> None:
        with self._lock:
            self._down = None

    # -- inspection -------------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    @property
    def registration_events(self) -> list[ReceivedEvent]:
        """The registration events the API took (200), oldest first."""
        return self.events.received

    def limit_events(self, limit: EventLimit) -> None:
        """Change the per-key limit on registration events (production: 30 a minute)."""
        self.events.limit = limit

    def model_versions(self, name: str) -> list[ModelVersion]:
        return self.state.model_versions(name)

    def artifact_paths(self, prefix: str = "") -> list[str]:
        return self.state.artifact_paths(prefix)

    def reset(self) -> None:
        """Forget all data, faults and logged requests; keep the keys."""
        self.state.reset()
        self.events.reset()
        self.faults.clear()
        with self._lock:
            self._log.clear()
            self._down = None

    # -- serving ----------------------------------------------------------------------------
    def _respond(self, request: PreparedRequest) -> _Reply | Exception:
        url, method = str(request.url), (request.method or "GET").upper()
        path = urlsplit(url).path
        with self._lock:
            keys = dict(self._keys)
            down = self._down
        # While down, scheduled faults wait: they count only requests that reach the fake.
        fault = down or self.faults.take(method, path)
        headers = _text_headers(request)
        key = presented_key(headers, url)
        grant = keys.get(key) if key is not None else None
        status, outcome = _outcome(
            fault, request, lambda: self._serve(request, method, headers, keys, grant)
        )
        entry = RequestRecord(
            method,
            path,
            status,
            key_presented=key is not None,
            user=grant.user if grant else None,
            fault=fault.kind.value if fault else None,
        )
        with self._lock:
            self._log.append(entry)
        return outcome

    def _serve(
        self,
        request: PreparedRequest,
        method: str,
        headers: Mapping[str, str],
        keys: Mapping[str, KeyGrant],
        grant: KeyGrant | None,
    ) -> _Reply:
        url = str(request.url)
        if method == "POST" and urlsplit(url).path == EVENTS_PATH:
            return _proxy_reply(self.events.handle(headers, url, _body_bytes(request.body), keys))
        answer = check_request(method, url, headers, keys)
        if answer is not None:
            return _proxy_reply(answer)
        reply = self.state.handle(
            method,
            upstream_path(url),
            urlsplit(url).query,
            _body_bytes(request.body),
            grant.user if grant else None,
            _header(headers, "Content-Type"),
        )
        return _api_reply(reply)


def _outcome(
    fault: Fault | None, request: PreparedRequest, serve: Callable[[], _Reply]
) -> tuple[int | None, _Reply | Exception]:
    """The logged status and what the client gets: an answer, or an exception to raise."""
    if fault is None:
        reply = serve()
        return reply[0], reply
    if fault.kind is FaultKind.STATUS:
        if fault.applied:
            serve()
        code = fault.http_status or 500
        return code, (code, {"Content-Type": "text/plain", **fault.headers}, fault.body)
    if fault.kind is FaultKind.APPLIED_THEN_LOST:
        serve()  # the server does the work; only the answer goes missing
    return None, fault.interrupt(request)


def _text_headers(request: PreparedRequest) -> dict[str, str]:
    return {
        name: value if isinstance(value, str) else value.decode("latin-1")
        for name, value in request.headers.items()
    }


def _body_bytes(body: object) -> bytes:
    # responses has already read file bodies (artifact uploads) into bytes.
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, Iterable):  # a chunked upload from a generator
        return b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in body)
    return b""


def _proxy_reply(answer: ProxyAnswer) -> _Reply:
    headers = {"Content-Type": "application/json", **answer.headers}
    return answer.status, headers, answer.json_body().encode()


def _api_reply(reply: ApiReply) -> _Reply:
    headers = {"Content-Type": reply.content_type} if reply.content_type else {}
    return reply.status, {**headers, **reply.headers}, reply.body


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class _Router:
    """The single, process-wide patch of ``requests``' ``HTTPAdapter.send``.

    ``responses`` patches that one class attribute per started mock, so two mocks started
    in overlapping scopes (two fakes in two threads) would steal each other's requests and
    restore the wrong function when stopped out of order. Instead every running fake attaches
    here and each request goes to the mock of the fake that owns its URL. When several own it
    (same base URL), the one started on the calling thread wins, then the latest; requests
    no fake owns go to the latest fake's mock, which lets loopback through and refuses the rest.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[FakeRegistryServer] = []
        self._patcher: Any = None
        self.original_send: Callable[..., Any] = HTTPAdapter.send

    def attach(self, server: FakeRegistryServer) -> None:
        with self._lock:
            if server in self._active:
                return
            self._active.append(server)
            if self._patcher is None:
                self.original_send = HTTPAdapter.send
                self._patcher = mock.patch.object(HTTPAdapter, "send", _routed_send)
                self._patcher.start()

    def detach(self, server: FakeRegistryServer) -> None:
        with self._lock:
            if server in self._active:
                self._active.remove(server)
            if not self._active and self._patcher is not None:
                self._patcher.stop()
                self._patcher = None

    def running(self) -> list[FakeRegistryServer]:
        with self._lock:
            return list(self._active)

    def is_attached(self, server: FakeRegistryServer) -> bool:
        with self._lock:
            return server in self._active

    def pick(self, url: str) -> responses.RequestsMock | None:
        with self._lock:
            active = list(self._active)
        owners = [s for s in active if s.owns(url)] or active[-1:]
        here = [s for s in owners if s.started_on == threading.get_ident()]
        chosen = (here or owners)[-1:]
        return chosen[0].mock if chosen else None


_ROUTER = _Router()


def _routed_send(adapter: HTTPAdapter, request: PreparedRequest, *args: Any, **kwargs: Any) -> Any:
    chosen = _ROUTER.pick(str(request.url))
    if chosen is None:  # every fake stopped while this request was on its way
        return _ROUTER.original_send(adapter, request, *args, **kwargs)
    send = chosen.unbound_on_send()
    retries = adapter.max_retries
    while True:
        try:
            # responses takes `retries` for its own replay of retried statuses.
            return send(adapter, request, *args, retries=retries, **kwargs)
        except InjectedConnectionFault as interrupted:
            retries = emulate_urllib3(retries, request, interrupted.error)
