"""The connection checks, in the order a registration meets its obstacles: name resolution,
TCP, TLS, the proxy's health endpoint, the key on a read, the key on a write.

A check that fails skips the ones after it. The read check is shared with ``hokusai login``.
"""

from __future__ import annotations

import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import requests

from hokusai.config.tracking import TrackingConfig
from hokusai.connection.probe import ConnectivityProbe
from hokusai.connection.request_auth import auth_for
from hokusai.doctor.network import Network, proxy_for
from hokusai.doctor.report import Check
from hokusai.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RegistryUnavailableError,
    TLSError,
)
from hokusai.transport.classify import ErrorContext, from_response, from_transport, html_answer
from hokusai.transport.http_bounds import watched_session
from hokusai.transport.http_trace import ResponseLog, json_body

SessionFactory = Callable[[], requests.Session]

MLFLOW_MOUNT = "/api/mlflow"
HEALTH_PATH = "/api/health/mlflow"
WRITE_CHECK_PATH = "/api/2.0/mlflow/registered-models/delete-tag"
WRITE_SCOPE_LATER = "Write access (model:write) is checked at the first registration."
_KEY_NOT_SENT = "API key required"


@contextmanager
def _timer() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    yield lambda: round((time.perf_counter() - started) * 1000, 1)


@dataclass
class ConnectionChecks:
    config: TrackingConfig
    network: Network
    session_factory: SessionFactory
    addresses: list[str] = field(default_factory=list)

    @property
    def ctx(self) -> ErrorContext:
        return _doctor_ctx(self.config)

    def run(self, *, key_may_travel: bool, write_check: bool) -> list[Check]:
        uri = self.config.remote_uri.value
        # Behind a proxy (HTTPS_PROXY, ...) the first hop is the proxy, as it is for requests.
        proxy = proxy_for(uri)
        parts = proxy or urlsplit(uri)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        steps: list[tuple[str, Callable[[], Check]]] = [
            ("dns", lambda: self.dns(host, port)),
            ("tcp", lambda: self.tcp(port)),
        ]
        if proxy is not None:
            via = f"tunnelled through the proxy {host}:{port}; the requests below check the rest"
            steps.append(("tls", lambda: Check("tls", "skip", via)))
        elif parts.scheme == "https":
            steps.append(("tls", lambda: self.tls(host, port)))
        steps.append(("health", self.health))
        if key_may_travel:
            steps.append(("registry read", self.read))
            steps.append(("registry write", self.write if write_check else self.write_skipped))
        results: list[Check] = []
        failed: Check | None = None
        for name, step in steps:
            if failed is not None:
                results.append(Check(name, "skip", f"not run: {failed.name} failed"))
                continue
            results.append(step())
            failed = results[-1] if results[-1].verdict == "fail" else None
        return results

    def _down(self, name: str, message: str, reason: str, ms: float) -> Check:
        error = RegistryUnavailableError(message, reason=reason, **self.ctx.kwargs())
        return Check.failure(name, error, ms, hint=self._unavailable_hint())

    def _unavailable_hint(self) -> str:
        # The error's own hint suggests auto mode, which the user may already be in.
        first = "Check your network (VPN, proxy, firewall)."
        if self.config.mode.value.value == "remote":
            return f"{first} In remote mode registrations fail until it answers."
        if self.config.api_key is None:
            return f"{first} Registrations go to the local store meanwhile."
        return f"{first} Meanwhile registrations go to the local store; `hokusai sync` pushes them."

    def dns(self, host: str, port: int) -> Check:
        with _timer() as elapsed:
            try:
                self.addresses = self.network.resolve(host, port, self.config.probe_timeout.value)
            except OSError as exc:
                message = f"The registry's host name {host} could not be resolved ({exc})."
                return self._down("dns", message, "dns", elapsed())
        if not self.addresses:
            return self._down("dns", f"{host} resolved to no address.", "dns", elapsed())
        return Check("dns", "ok", f"{host} -> {', '.join(self.addresses[:3])}", elapsed())

    def tcp(self, port: int) -> Check:
        address = self.addresses[0]
        with _timer() as elapsed:
            try:
                self.network.connect(address, port, self.config.probe_timeout.value)
            except OSError as exc:
                reason = "timeout" if isinstance(exc, TimeoutError) else "connection"
                message = f"Cannot open a TCP connection to {address} port {port} ({exc})."
                return self._down("tcp", message, reason, elapsed())
        return Check("tcp", "ok", f"connected to {address} port {port}", elapsed())

    def tls(self, host: str, port: int) -> Check:
        address = self.addresses[0]
        with _timer() as elapsed:
            try:
                version = self.network.handshake(
                    host, address, port, self.config.probe_timeout.value
                )
            except ssl.SSLError as exc:
                why = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
                tls_error = TLSError(
                    f"The TLS handshake with {host} failed ({why}).", **self.ctx.kwargs()
                )
                return Check.failure("tls", tls_error, elapsed())
            except OSError as exc:
                message = f"The connection to {host} broke during the TLS handshake ({exc})."
                return self._down("tls", message, "connection", elapsed())
        return Check("tls", "ok", f"{version}, certificate valid for {host}", elapsed())

    def health(self) -> Check:
        url = health_url(self.config.remote_uri.value)
        with _timer() as elapsed, self.session_factory() as session:
            try:
                # Unauthenticated by design: tells "the proxy is up" apart from "the key works".
                response = session.get(
                    url, timeout=self.config.probe_timeout.value, allow_redirects=False
                )
            except requests.RequestException as exc:
                error = from_transport(exc, self.ctx) or RegistryUnavailableError(
                    f"The health check failed ({type(exc).__name__}).", **self.ctx.kwargs()
                )
                return Check("health", "warn", f"{url}: {error.message}", elapsed(), error)
        if response.status_code == 200:
            return Check("health", "ok", f"{url} answered 200", elapsed())
        return Check(
            "health",
            "warn",
            f"{url} answered HTTP {response.status_code}; the registry may be degraded, or this "
            "is not the Hokusai proxy",
            elapsed(),
        )

    def read(self) -> Check:
        check = registry_read_check(self.config, self.session_factory)
        if isinstance(check.error, RegistryUnavailableError):
            return replace(check, hint=self._unavailable_hint())
        return check

    @staticmethod
    def write_skipped() -> Check:
        return Check("registry write", "skip", WRITE_SCOPE_LATER)

    def write(self) -> Check:
        """A write the registry refuses without changing anything, to see the write scope.

        Deleting a tag of a registered model that does not exist: the proxy checks the write
        scope first (403 FORBIDDEN without it); with it, MLflow answers 404 and changes nothing.
        """
        config = self.config
        assert config.api_key is not None
        uri = config.remote_uri.value
        auth = auth_for(uri, config.api_key, allow_insecure_http=config.allow_insecure_http.value)
        body = {"name": f"hokusai-doctor-{uuid.uuid4().hex}", "key": "hokusai.doctor"}
        with _timer() as elapsed, self.session_factory() as session:
            try:
                response = session.delete(
                    uri + WRITE_CHECK_PATH,
                    json=body,
                    auth=auth,
                    timeout=config.probe_timeout.value,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                return Check(
                    "registry write",
                    "warn",
                    f"not checked ({type(exc).__name__}). " + WRITE_SCOPE_LATER,
                    elapsed(),
                )
        status, answer = response.status_code, json_body(response) or {}
        mlflow_answered = bool(answer.get("error_code")) and answer.get("error_code") != (
            "ENDPOINT_NOT_FOUND"
        )
        if status < 300 or (status in (400, 404) and mlflow_answered):
            return Check("registry write", "ok", "the key may write (nothing changed)", elapsed())
        error = from_response(status, answer, dict(response.headers), self.ctx)
        if isinstance(error, AuthenticationError | PermissionDeniedError):
            return Check.failure("registry write", error, elapsed())
        inconclusive = f"inconclusive (HTTP {status}). {WRITE_SCOPE_LATER}"
        return Check("registry write", "warn", inconclusive, elapsed())


def _doctor_ctx(config: TrackingConfig) -> ErrorContext:
    creds = config.credentials
    return ErrorContext(config.remote_uri.value, creds.source, creds.masked, "running doctor")


def health_url(tracking_uri: str) -> str:
    """``https://host/api/health/mlflow`` for ``https://host/api/mlflow`` (outside the mount)."""
    parts = urlsplit(tracking_uri)
    path = parts.path.rstrip("/")
    base = path[: -len(MLFLOW_MOUNT)] if path.endswith(MLFLOW_MOUNT) else ""
    return f"{parts.scheme}://{parts.netloc}{base}{HEALTH_PATH}"


def no_key_error(config: TrackingConfig) -> AuthenticationError:
    return AuthenticationError.missing_key(config.remote_uri.value)


def registry_read_check(
    config: TrackingConfig, session_factory: SessionFactory = watched_session
) -> Check:
    """The connectivity probe, read the way a person needs it (whose fault, what next)."""
    if config.api_key is None:
        return Check.failure("registry read", no_key_error(config))
    log = ResponseLog()

    def recording_session() -> requests.Session:
        # The probe reports a typed error; the proxy's `error` field (key missing vs. invalid)
        # is read from the raw answer, which this hook keeps.
        session = session_factory()
        session.hooks["response"].append(log.record)
        return session

    outcome = ConnectivityProbe(config, recording_session).check()
    ms = outcome.result.latency_ms
    page = log.last_error
    if outcome.reachable and page is not None and page.status < 400:
        # A 200 that is a web page: the probe's status is fine, the answer is not MLflow's.
        return Check.failure("registry read", html_answer(page.status, _doctor_ctx(config)), ms)
    if outcome.reachable:
        return Check("registry read", "ok", f"key {config.credentials.masked} accepted", ms)
    error = outcome.error
    assert error is not None
    seen = log.last_error.body if log.last_error is not None else None
    if isinstance(error, AuthenticationError) and (seen or {}).get("error") == _KEY_NOT_SENT:
        return Check(
            "registry read",
            "fail",
            "The registry saw no API key (401 API key required) although one is configured: "
            "something between here and the registry drops the Authorization header, or the "
            "tracking URI is not the registry's",
            ms,
            error,
            hint="Check HTTP(S)_PROXY settings and that HOKUSAI_TRACKING_URI is "
            "https://registry.hokus.ai/api/mlflow.",
        )
    return Check.failure("registry read", error, ms)
