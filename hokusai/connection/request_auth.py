"""How the API key reaches MLflow's HTTP requests, and only the registry's.

MLflow reads credentials from the process environment on every request, and its artifact
repository rebuilds them from there too, so a per-client token is impossible through
``MLFLOW_TRACKING_TOKEN`` (and writing the key into ``os.environ`` would hand it to every
child process and every other MLflow server the process talks to). MLflow's documented plugin
point ``mlflow.request_auth_provider`` is applied to every request, artifact uploads and
threaded downloads included, and is chosen by the non-secret switch
``MLFLOW_TRACKING_AUTH=hokusai``. Its ``AuthBase`` looks the request URL up in a table of
*bindings* (tracking URI prefix -> key) and adds ``Authorization: Bearer`` only on a match.

Two registries on the same URI with different keys: the registry that is running an operation
binds its key in a context variable, which wins over the table. MLflow's download thread pool
does not inherit context variables; those requests use the most recently bound key for the URI.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase

from hokusai.config.credentials import ApiKey
from hokusai.config.tracking import is_loopback
from hokusai.errors import ConfigurationError
from hokusai.transport import http_trace
from hokusai.transport.http_trace import ResponseLog

PROVIDER_NAME = "hokusai"
_AUTH_SWITCH = "MLFLOW_TRACKING_AUTH"


@dataclass(frozen=True)
class Binding:
    """A key bound to a tracking URI prefix (``https://host[:port]/path``)."""

    prefix: str
    key: ApiKey
    allow_insecure_http: bool
    serial: int

    def matches(self, url: str) -> bool:
        normalised = _normalise(url)
        if not (normalised == self.prefix or normalised.startswith(self.prefix + "/")):
            return False
        parts = urlsplit(url)
        return parts.scheme == "https" or (
            parts.scheme == "http"
            and (is_loopback(parts.hostname or "") or self.allow_insecure_http)
        )


def _normalise(uri: str) -> str:
    parts = urlsplit(uri)
    # requests lower-cases the host and drops default ports: compare in the same form.
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme.lower()}://{host}{port}{parts.path.rstrip('/')}"


class _BindingTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bindings: dict[int, Binding] = {}
        self._serials = itertools.count(1)
        # A pinned binding serves every thread for its prefix; see ``pinned``.
        self._pins: dict[str, tuple[Binding, ResponseLog | None]] = {}
        self._pin_locks: dict[str, threading.Lock] = {}

    def pin_lock(self, prefix: str) -> threading.Lock:
        with self._lock:
            return self._pin_locks.setdefault(prefix, threading.Lock())

    def pin(self, binding: Binding, log: ResponseLog | None) -> None:
        with self._lock:
            self._pins[binding.prefix] = (binding, log)

    def unpin(self, binding: Binding) -> None:
        with self._lock:
            self._pins.pop(binding.prefix, None)

    def add(self, uri: str, key: ApiKey, allow_insecure_http: bool) -> Binding:
        with self._lock:
            binding = Binding(_normalise(uri), key, allow_insecure_http, next(self._serials))
            self._bindings[binding.serial] = binding
            return binding

    def remove(self, binding: Binding) -> None:
        with self._lock:
            self._bindings.pop(binding.serial, None)

    def origins(self) -> set[str]:
        with self._lock:
            return {_origin(b.prefix) for b in self._bindings.values()}

    def release_under(self, prefix: str) -> int:
        """Forget the bindings under ``prefix``; how many bindings remain."""
        with self._lock:
            for serial, binding in list(self._bindings.items()):
                if binding.prefix == prefix or binding.prefix.startswith(prefix + "/"):
                    del self._bindings[serial]
            return len(self._bindings)

    def lookup(self, url: str) -> tuple[Binding | None, ResponseLog | None]:
        """The binding for ``url`` and, when it was pinned, the log its answers go to."""
        if _keyless.get():
            return None, None
        active = _active.get()
        if active is not None and active.matches(url):
            return active, None
        with self._lock:
            for binding, log in self._pins.values():
                if binding.matches(url):
                    return binding, log
            candidates = [b for b in self._bindings.values() if b.matches(url)]
        # Longest prefix is the most specific registry; among equals the newest binding.
        return max(candidates, key=lambda b: (len(b.prefix), b.serial), default=None), None


_table = _BindingTable()
_active: contextvars.ContextVar[Binding | None] = contextvars.ContextVar(
    "hokusai_active_binding", default=None
)
_keyless: contextvars.ContextVar[bool] = contextvars.ContextVar("hokusai_keyless", default=False)


def _origin(uri: str) -> str:
    """Scheme, host and port, as ``_normalise`` writes them."""
    parts = urlsplit(_normalise(uri))
    return f"{parts.scheme}://{parts.netloc}"


def same_origin(uri: str, other: str) -> bool:
    """Whether two http(s) URIs share scheme, host and port (any path)."""
    return uri.startswith(("http://", "https://")) and _origin(uri) == _origin(other)


def bound_origin(uri: str) -> bool:
    """Whether a Hokusai key is bound anywhere on ``uri``'s origin, by any registry here."""
    return uri.startswith(("http://", "https://")) and _origin(uri) in _table.origins()


@contextmanager
def keyless() -> Iterator[None]:
    """Within this block, this thread's MLflow requests carry no Hokusai key, whatever the URL:
    for reading a store that is not a registry's (the user's own tracking store)."""
    token = _keyless.set(True)
    try:
        yield
    finally:
        _keyless.reset(token)


def bind(uri: str, key: ApiKey, *, allow_insecure_http: bool = False) -> Binding:
    """Send ``key`` on every MLflow request under ``uri`` until ``unbind``.

    MLflow itself (2 s to import) is told about the provider on the binding's first use
    (``acting_as``, ``pinned``), so that a registry which has made no call has not imported it.
    """
    _select_provider()
    return _table.add(uri, key, allow_insecure_http)


def unbind(binding: Binding) -> None:
    _table.remove(binding)


def release_under(uri: str) -> int:
    """Forget every key bound under ``uri`` (a test registry that stopped serving it), even
    those of registries never closed; returns how many bindings remain in the process."""
    return _table.release_under(_normalise(uri))


@contextmanager
def acting_as(binding: Binding | None) -> Iterator[None]:
    """Within this block, this thread's requests under the binding's URI use its key."""
    if binding is not None:
        _register_provider()
    token = _active.set(binding)
    try:
        yield
    finally:
        _active.reset(token)


@contextmanager
def pinned(binding: Binding | None, log: ResponseLog | None = None) -> Iterator[None]:
    """Within this block, every thread's requests under the binding's URI use its key.

    MLflow downloads artifact files in a thread pool, whose threads do not inherit context
    variables, so ``acting_as`` does not reach them. Pinning makes the binding win for its URI
    in all threads; pins on one URI take turns, so two registries with different keys for the
    same registry never lend each other their key. ``log`` receives those threads' answers.
    """
    if binding is None:
        yield
        return
    _register_provider()
    with _table.pin_lock(binding.prefix):
        _table.pin(binding, log)
        try:
            yield
        finally:
            _table.unpin(binding)


class BearerAuth(AuthBase):
    """Adds ``Authorization: Bearer`` to requests for a bound registry, and to nothing else.

    Without ``binding`` it consults the process's binding table (MLflow's requests); with one,
    it serves only that binding (the SDK's own probe).
    """

    def __init__(self, binding: Binding | None = None) -> None:
        self._fixed = binding

    def _binding_for(self, url: str) -> tuple[Binding | None, ResponseLog | None]:
        if self._fixed is not None:
            return (self._fixed if self._fixed.matches(url) else None), None
        return _table.lookup(url)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        binding, log = self._binding_for(request.url or "")
        if binding is not None:
            # Replaces anything MLflow put there from MLFLOW_TRACKING_TOKEN or
            # MLFLOW_TRACKING_USERNAME/PASSWORD: for our registry, our key is the credential.
            request.headers["Authorization"] = f"Bearer {binding.key.reveal()}"
            request.register_hook("response", _KeepKeyWithin(binding))  # type: ignore[no-untyped-call]
            http_trace.attach(request, log)
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<host-scoped>)"


class _KeepKeyWithin:
    """Drops the key from a redirected request that leaves the binding's prefix.

    ``requests`` copies the request, headers included, to follow a redirect, and strips
    ``Authorization`` only when the host changes; the auth is not asked again. A redirect to
    another path of the same host (outside the registry's mount) would carry the key there.
    This response hook runs before the copy is made, on every hop.
    """

    def __init__(self, binding: Binding) -> None:
        self._binding = binding

    def __call__(self, response: requests.Response, *_args: object, **_kwargs: object) -> None:
        location = response.headers.get("Location") if response.is_redirect else None
        if location is None:
            return
        try:
            stays = self._binding.matches(urljoin(response.url, location))
        except ValueError:  # a malformed Location (bad port, bracket): never worth the key
            stays = False
        if not stays:
            response.request.headers.pop("Authorization", None)


class HokusaiRequestAuthProvider:
    """MLflow ``request_auth_provider`` plugin, selected by ``MLFLOW_TRACKING_AUTH=hokusai``."""

    def get_name(self) -> str:
        return PROVIDER_NAME

    def get_auth(self) -> BearerAuth:
        return BearerAuth()


_install_lock = threading.Lock()
_registered = False


def install_provider() -> None:
    """Make MLflow route its requests through ``BearerAuth``."""
    _select_provider()
    _register_provider()


def _select_provider() -> None:
    """Set the non-secret switch ``MLFLOW_TRACKING_AUTH=hokusai`` unless it is already set to
    something else (then the user chose another auth scheme, and our key could not be sent)."""
    with _install_lock:
        current = os.environ.get(_AUTH_SWITCH, "").strip()
        if current and current != PROVIDER_NAME:
            raise ConfigurationError(
                f"{_AUTH_SWITCH}={current!r} selects another MLflow auth provider, so the Hokusai "
                "API key cannot be sent.",
                hint=f"Unset {_AUTH_SWITCH} (hokusai sets it to {PROVIDER_NAME!r} itself).",
            )
        os.environ[_AUTH_SWITCH] = PROVIDER_NAME


def _register_provider() -> None:
    """Register the provider with MLflow when the package's entry point is not installed
    (running from a source tree); imports MLflow, so it waits for the first MLflow call."""
    global _registered
    if _registered:
        return
    with _install_lock:
        from hokusai.mlflow_internals import auth_provider_registry

        providers = auth_provider_registry()
        if not any(p.get_name() == PROVIDER_NAME for p in providers):
            providers.register(HokusaiRequestAuthProvider)
        _registered = True


def fixed_binding(uri: str, key: ApiKey, *, allow_insecure_http: bool = False) -> Binding:
    """A binding outside the process's table: it reaches MLflow's requests only through a
    ``BearerAuth`` built on it, and needs no ``MLFLOW_TRACKING_AUTH`` switch."""
    return Binding(_normalise(uri), key, allow_insecure_http, serial=0)


def auth_for(uri: str, key: ApiKey, *, allow_insecure_http: bool = False) -> BearerAuth:
    """A ``requests`` auth for the SDK's own calls (the probe), with the same scoping rules."""
    return BearerAuth(fixed_binding(uri, key, allow_insecure_http=allow_insecure_http))
