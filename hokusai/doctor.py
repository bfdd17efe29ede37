"""Would a registration reach the hosted registry, and if not, why? The checks behind ``doctor``.

The checks run in the order a registration meets its obstacles: the configuration, settings
that fight it, name resolution, TCP, TLS, the proxy's health endpoint, the key on a read, the
key on a write. Each returns a verdict with its latency and, on failure, the typed error the
SDK itself would raise, so the CLI, ``--json`` and the exit code all read the same report.

The network primitives live in :class:`SocketNetwork`; tests pass their own ``Network``
(the fake registry has no real host to resolve or connect to).
"""

from __future__ import annotations

import configparser
import os
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import SplitResult, urlsplit

import requests

from hokusai.auth import PROVIDER_NAME, auth_for
from hokusai.classify import ErrorContext, from_response, from_transport
from hokusai.config.tracking import TrackingConfig, is_loopback
from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    HokusaiError,
    InsecureTransportError,
    PermissionDeniedError,
    RegistryUnavailableError,
    TLSError,
)
from hokusai.http_trace import ResponseLog, json_body
from hokusai.probe import ConnectivityProbe

Verdict = Literal["ok", "warn", "fail", "skip"]
SessionFactory = Callable[[], requests.Session]

MLFLOW_MOUNT = "/api/mlflow"
HEALTH_PATH = "/api/health/mlflow"
WRITE_CHECK_PATH = "/api/2.0/mlflow/registered-models/delete-tag"
WRITE_SCOPE_LATER = "Write access (model:write) is checked at the first registration."
_KEY_NOT_SENT = "API key required"


@dataclass(frozen=True)
class Check:
    """One check's outcome. ``error`` is set on ``fail`` (and on some ``warn``)."""

    name: str
    verdict: Verdict
    detail: str
    latency_ms: float | None = None
    error: HokusaiError | None = None
    hint: str | None = None

    @property
    def next_step(self) -> str | None:
        return self.hint or (self.error.hint if self.error is not None else None) or None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "detail": self.detail,
            "latency_ms": self.latency_ms,
            "error": error_dict(self.error),
            "next_step": self.next_step,
        }


def error_dict(error: HokusaiError | None) -> dict[str, Any] | None:
    """A typed error as JSON: its class, message, hint and status. Never the key."""
    if error is None:
        return None
    return {
        "type": type(error).__name__,
        "message": error.message,
        "hint": error.hint or None,
        "status": error.status,
        "code": getattr(error, "code", None) or getattr(error, "reason", None),
    }


@dataclass(frozen=True)
class DoctorReport:
    remote_uri: str | None
    mode: str | None
    uses_remote: bool
    settings: tuple[tuple[str, str, str], ...] = ()
    conflicts: tuple[Check, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def blocker(self) -> Check | None:
        """The first failure: what stops a registration from reaching the remote."""
        return next((c for c in (*self.conflicts, *self.checks) if c.verdict == "fail"), None)

    @property
    def reaches_remote(self) -> bool:
        return self.uses_remote and self.blocker is None

    @property
    def next_step(self) -> str:
        blocker = self.blocker
        if blocker is not None and blocker.next_step:
            return blocker.next_step
        warning = next(
            (c for c in (*self.conflicts, *self.checks) if c.verdict == "warn" and c.next_step),
            None,
        )
        if warning is not None and warning.next_step:
            return warning.next_step
        return "Register a model: hokusai register ./model-dir --name my-model"

    def as_dict(self) -> dict[str, Any]:
        return {
            "reaches_remote": self.reaches_remote,
            "remote_uri": self.remote_uri,
            "mode": self.mode,
            "settings": [{"name": n, "value": v, "source": s} for n, v, s in self.settings],
            "conflicts": [c.as_dict() for c in self.conflicts],
            "checks": [c.as_dict() for c in self.checks],
            "blocker": self.blocker.name if self.blocker else None,
            "next_step": self.next_step,
        }


# -- the network ----------------------------------------------------------------------------


class Network(Protocol):
    def resolve(self, host: str, port: int, timeout: float) -> list[str]: ...

    def connect(self, address: str, port: int, timeout: float) -> None: ...

    def handshake(self, host: str, address: str, port: int, timeout: float) -> str:
        """Complete a verified TLS handshake; returns the protocol version."""
        ...


class SocketNetwork:
    """The real network: the system resolver, TCP, and TLS verified the way ``requests`` does."""

    def resolve(self, host: str, port: int, timeout: float) -> list[str]:
        # getaddrinfo has no timeout; a hung resolver must not hang doctor, so it runs aside.
        found: list[Any] = []
        failed: list[OSError] = []

        def lookup() -> None:
            try:
                found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except OSError as exc:
                failed.append(exc)

        worker = threading.Thread(target=lookup, daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise TimeoutError(f"the resolver did not answer within {timeout:g} s")
        if failed:
            raise failed[0]
        return list(dict.fromkeys(str(info[4][0]) for info in found))

    def connect(self, address: str, port: int, timeout: float) -> None:
        with socket.create_connection((address, port), timeout=timeout):
            pass

    def handshake(self, host: str, address: str, port: int, timeout: float) -> str:
        context = _requests_tls_context()
        with (
            socket.create_connection((address, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            return tls.version() or "TLS"


def _requests_tls_context() -> ssl.SSLContext:
    # Verify against the CA bundle requests (and so MLflow) uses, not the system store: a
    # check that trusts other roots than the SDK would pass where registration fails.
    bundle = (
        os.environ.get("REQUESTS_CA_BUNDLE")
        or os.environ.get("CURL_CA_BUNDLE")
        or requests.utils.DEFAULT_CA_BUNDLE_PATH
    )
    if os.path.isdir(bundle):
        return ssl.create_default_context(capath=bundle)
    return ssl.create_default_context(cafile=bundle)


# -- entry point ------------------------------------------------------------------------------


def diagnose(
    *,
    environ: Mapping[str, str] | None = None,
    network: Network | None = None,
    session_factory: SessionFactory = requests.Session,
    write_check: bool = True,
) -> DoctorReport:
    """Resolve the configuration and run every check; makes at most four small requests."""
    env = os.environ if environ is None else environ
    config, config_error = _resolve(env)
    conflicts = tuple(_conflicts(env, config))
    if config is None:
        assert config_error is not None
        failed = Check("configuration", "fail", config_error.message, error=config_error)
        return DoctorReport(None, None, False, conflicts=conflicts, checks=(failed,))
    checks = _Checks(config, network or SocketNetwork(), session_factory)
    results = [_configuration_check(config, config_error), _mode_check(config)]
    results += checks.run(key_may_travel=config_error is None, write_check=write_check)
    return DoctorReport(
        remote_uri=config.remote_uri.value,
        mode=config.mode.value.value,
        uses_remote=config.mode.value.uses_remote,
        settings=tuple(config.settings()),
        conflicts=conflicts,
        checks=tuple(results),
    )


def _config_from(env: Mapping[str, str], arguments: Mapping[str, object]) -> TrackingConfig:
    from hokusai.container import Container

    container = Container()
    container.environ.override(env)
    container.arguments.override(dict(arguments))
    config: TrackingConfig = container.tracking_config()
    return config


def _resolve(env: Mapping[str, str]) -> tuple[TrackingConfig | None, HokusaiError | None]:
    """The configuration as a registry would resolve it, and the error that would stop it.

    A plain-http remote fails resolution, but doctor should still list every setting: resolve
    it letting http through, and take the real http switch from a resolution that skips the
    transport check (local mode does).
    """
    try:
        return _config_from(env, {}), None
    except InsecureTransportError as exc:
        lenient = _config_from(env, {"allow_insecure_http": True})
        actual = _config_from(env, {"mode": "local"}).allow_insecure_http
        return replace(lenient, allow_insecure_http=actual), exc
    except ConfigurationError as exc:
        return None, exc


def _configuration_check(config: TrackingConfig, error: HokusaiError | None) -> Check:
    if error is not None:
        return Check("configuration", "fail", error.message, error=error)
    key = (
        f"key {config.credentials.masked} from {config.credentials.source}"
        if config.api_key
        else "no API key"
    )
    return Check("configuration", "ok", f"registry {config.remote_uri.value}, {key}")


def _mode_check(config: TrackingConfig) -> Check:
    mode = config.mode
    if mode.value.uses_remote:
        return Check("mode", "ok", f"{mode.value.value} (from {mode.source})")
    return Check(
        "mode",
        "fail",
        f"{mode.value.value} (from {mode.source}): registrations never go to the hosted registry",
        hint="Unset HOKUSAI_MLFLOW_MODE (or set it to auto) to use the hosted registry.",
    )


# -- conflicting settings -------------------------------------------------------------------


def _conflicts(env: Mapping[str, str], config: TrackingConfig | None) -> Iterator[Check]:
    def present(name: str) -> bool:
        return bool(env.get(name, "").strip())

    basic = [n for n in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD") if present(n)]
    if basic:
        yield _basic_auth_warning(" and ".join(basic) + " (environment)")
    credentials_file = Path("~/.mlflow/credentials").expanduser()
    if _holds_basic_auth(credentials_file):
        yield _basic_auth_warning(str(credentials_file))
    auth = env.get("MLFLOW_TRACKING_AUTH", "").strip()
    if auth and auth != PROVIDER_NAME:
        error = ConfigurationError(
            f"MLFLOW_TRACKING_AUTH={auth!r} selects another MLflow auth provider; the SDK "
            "refuses to register, as the Hokusai key could not be sent.",
            hint=f"Unset MLFLOW_TRACKING_AUTH (hokusai sets it to {PROVIDER_NAME!r} itself).",
        )
        yield Check("MLFLOW_TRACKING_AUTH", "fail", error.message, error=error)
    for legacy, new in (
        ("MLFLOW_TRACKING_TOKEN", "HOKUSAI_API_KEY"),
        ("MLFLOW_TRACKING_URI", "HOKUSAI_TRACKING_URI"),
        ("HOKUSAI_MOCK_MODE", "HOKUSAI_MLFLOW_MODE"),
        ("HOKUSAI_OPTIONAL_MLFLOW", "HOKUSAI_MLFLOW_MODE"),
    ):
        if present(legacy) and present(new):
            yield Check(
                legacy,
                "warn",
                f"{legacy} is set but ignored: {new} is also set and wins",
                hint=f"Unset {legacy} to avoid confusion; {new} is the one in use.",
            )
    if config is not None:
        yield from _transport_warning(config)


def _basic_auth_warning(where: str) -> Check:
    return Check(
        "MLflow basic auth",
        "warn",
        f"MLflow username/password set in {where}: MLflow sends them instead of a bearer "
        "token. The SDK replaces them on requests to the Hokusai registry, but other MLflow "
        "tools in this environment will not authenticate with your key",
        hint="Remove MLFLOW_TRACKING_USERNAME/PASSWORD (and ~/.mlflow/credentials) unless "
        "another MLflow server needs them.",
    )


def _holds_basic_auth(path: Path) -> bool:
    if not path.is_file():
        return False
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return True  # unreadable to us, perhaps not to MLflow: say so rather than guess
    return any(
        parser.has_option(section, option)
        for section in parser.sections()
        for option in ("mlflow_tracking_username", "mlflow_tracking_password")
    )


def _transport_warning(config: TrackingConfig) -> Iterator[Check]:
    parts = urlsplit(config.remote_uri.value)
    if parts.scheme != "http" or is_loopback(parts.hostname or ""):
        return
    if config.allow_insecure_http.value:
        yield Check(
            "plain http",
            "warn",
            f"the registry {config.remote_uri.value} is plain http; the key travels unencrypted "
            f"({config.allow_insecure_http.source} allows it)",
            hint="Use https://registry.hokus.ai/api/mlflow.",
        )
        return
    if config.api_key is None:
        yield Check(
            "plain http",
            "warn",
            f"the registry {config.remote_uri.value} is plain http: the SDK will refuse to send "
            "a key there",
            hint=InsecureTransportError.default_hint,
        )
    # With a key, resolving the configuration has already failed on it: the configuration check.


# -- the network checks -----------------------------------------------------------------------


@contextmanager
def _timer() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    yield lambda: round((time.perf_counter() - started) * 1000, 1)


@dataclass
class _Checks:
    config: TrackingConfig
    network: Network
    session_factory: SessionFactory
    addresses: list[str] = field(default_factory=list)

    @property
    def ctx(self) -> ErrorContext:
        creds = self.config.credentials
        return ErrorContext(
            self.config.remote_uri.value, creds.source, creds.masked, "running doctor"
        )

    def run(self, *, key_may_travel: bool, write_check: bool) -> list[Check]:
        uri = self.config.remote_uri.value
        # Behind a proxy (HTTPS_PROXY, ...) the first hop is the proxy, as it is for requests.
        proxy = _proxy_for(uri)
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
        return Check(name, "fail", error.message, ms, error, hint=self._unavailable_hint())

    def _unavailable_hint(self) -> str:
        # The error's own hint suggests auto mode, which the user may already be in.
        first = "Check your network (VPN, proxy, firewall)."
        if self.config.mode.value.value == "remote":
            return f"{first} In remote mode registrations fail until it answers."
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
                return Check("tls", "fail", tls_error.message, elapsed(), tls_error)
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
            return Check("registry write", "fail", error.message, elapsed(), error)
        inconclusive = f"inconclusive (HTTP {status}). {WRITE_SCOPE_LATER}"
        return Check("registry write", "warn", inconclusive, elapsed())


def _proxy_for(url: str) -> SplitResult | None:
    proxies = requests.utils.get_environ_proxies(url)
    proxy = requests.utils.select_proxy(url, proxies)
    # Only the host and port are ever shown: a proxy URL may carry user:password.
    return urlsplit(proxy if "://" in proxy else f"http://{proxy}") if proxy else None


def health_url(tracking_uri: str) -> str:
    """``https://host/api/health/mlflow`` for ``https://host/api/mlflow`` (outside the mount)."""
    parts = urlsplit(tracking_uri)
    path = parts.path.rstrip("/")
    base = path[: -len(MLFLOW_MOUNT)] if path.endswith(MLFLOW_MOUNT) else ""
    return f"{parts.scheme}://{parts.netloc}{base}{HEALTH_PATH}"


def no_key_error(config: TrackingConfig) -> AuthenticationError:
    return AuthenticationError(
        "No API key is set, so nothing can reach the hosted registry.",
        uri=config.remote_uri.value,
        hint="Run `hokusai login`, or set HOKUSAI_API_KEY to the key from your Hokusai dashboard.",
    )


def registry_read_check(
    config: TrackingConfig, session_factory: SessionFactory = requests.Session
) -> Check:
    """The connectivity probe, read the way a person needs it (whose fault, what next)."""
    if config.api_key is None:
        missing = no_key_error(config)
        return Check("registry read", "fail", missing.message, error=missing)
    log = ResponseLog()

    def recording_session() -> requests.Session:
        # The probe reports a typed error; the proxy's `error` field (key missing vs. invalid)
        # is read from the raw answer, which this hook keeps.
        session = session_factory()
        session.hooks["response"].append(log.record)
        return session

    outcome = ConnectivityProbe(config, recording_session).check()
    ms = outcome.result.latency_ms
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
    return Check("registry read", "fail", error.message, ms, error)
