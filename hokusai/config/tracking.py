"""TrackingConfig: every setting the registry needs, resolved once, each with its source.

Priority, highest first: explicit arguments > the process default (``hokusai.configure()``) >
environment > ``$HOKUSAI_HOME/config`` (ini, section ``[default]``) > defaults. The API key follows
its own chain (``hokusai.config.keys``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hokusai.config.credentials import ApiKey, Credentials
from hokusai.config.deadlines import DEFAULT_RETRY_DEADLINE, parse_deadline
from hokusai.config.home import resolve_home
from hokusai.config.keys import resolve_credentials
from hokusai.config.sources import (
    ARGUMENT,
    DEFAULT,
    Layers,
    Setting,
    env_source,
    file_source,
    parse_bool,
    parse_seconds,
    read_config_file,
)
from hokusai.config.urls import host_of, is_hokusai_host, is_loopback, split_url
from hokusai.errors import ConfigurationError, InsecureTransportError
from hokusai.support.compat import StrEnum
from hokusai.support.notices import warn_once

logger = logging.getLogger(__name__)

# The platform API base; its MLflow mount is ``{api_endpoint}/mlflow``. (The earlier SDK defaulted
# to https://api.hokus.ai, which does not serve the registry.)
DEFAULT_API_ENDPOINT = "https://registry.hokus.ai/api"
DEFAULT_TRACKING_URI = f"{DEFAULT_API_ENDPOINT}/mlflow"
DEFAULT_PROBE_TIMEOUT = 3.0
DEFAULT_BREAKER_COOLDOWN = 60.0
DEFAULT_EXPERIMENT = "hokusai"
# A total deadline per request; a file transfer earns more time while its bytes move.
DEFAULT_REQUEST_TIMEOUT = 30.0
# Confirms that MLFLOW_TRACKING_URI, whatever its host, is the Hokusai registry.
CONFIRM_LEGACY_URI = "HOKUSAI_TRUST_TRACKING_URI"
DEFAULT_SYNC_CONCURRENCY = 4
MAX_SYNC_CONCURRENCY = 64


class Mode(StrEnum):
    """How the registry chooses where models go (``HOKUSAI_MLFLOW_MODE``)."""

    AUTO = "auto"
    REMOTE = "remote"
    LOCAL = "local"
    MOCK = "mock"
    OPTIONAL = "optional"

    @classmethod
    def parse(cls, raw: str, source: str) -> Mode:
        try:
            return cls(raw.strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ConfigurationError(
                f"{source}={raw!r} is not a mode. Valid modes: {valid}."
            ) from None

    @property
    def uses_remote(self) -> bool:
        return self in (Mode.AUTO, Mode.REMOTE, Mode.OPTIONAL)


@dataclass(frozen=True)
class TrackingConfig:
    """The resolved configuration of one ``ModelRegistry``."""

    mode: Setting[Mode]
    remote_uri: Setting[str]
    api_endpoint: Setting[str]
    local_uri: Setting[str]
    local_artifact_root: Setting[str]
    probe_timeout: Setting[float]
    breaker_cooldown: Setting[float]
    request_timeout: Setting[float]
    allow_insecure_http: Setting[bool]
    trust_tracking_uri: Setting[bool]
    experiment: Setting[str]
    home: Setting[Path]
    credentials: Credentials
    # Sweep scale: how long one operation waits out 429/503, and how many records a sync
    # pushes at once (hokusai.transport.retry_policy, hokusai.sync).
    retry_deadline: Setting[float]
    sync_concurrency: Setting[int]
    # The platform API base that tokenized registration events go to
    # (hokusai.platform.registration_event):
    # the API endpoint, or the earlier SDK's HOKUSAI_API_URL when no endpoint was set.
    event_endpoint: Setting[str] | None = None

    @property
    def event_api(self) -> Setting[str]:
        return self.event_endpoint or self.api_endpoint

    @property
    def api_key(self) -> ApiKey | None:
        return self.credentials.api_key

    @property
    def pending_dir(self) -> Path:
        return self.home.value / "pending"

    @classmethod
    def resolve(
        cls,
        *,
        arguments: Mapping[str, object] | None = None,
        environ: Mapping[str, str] | None = None,
        credentials: Credentials | None = None,
        process: Mapping[str, Setting[object]] | None = None,
    ) -> TrackingConfig:
        """Resolve every setting.

        ``credentials`` comes from the container's credentials provider (which also reads the
        key ``hokusai login`` stored); without it, the key chain stops at the environment.
        ``process`` is the process default (``hokusai.configure()``), the container's
        ``process_defaults`` provider; without it there is none.
        """
        args = {k: v for k, v in (arguments or {}).items() if v is not None}
        env = os.environ if environ is None else environ
        home = resolve_home(args, env)
        config_path = home.value / "config"
        layers = Layers(args, env, read_config_file(config_path), config_path, process or {})

        mode = _mode(layers)
        local_dir = home.value / "mlflow"
        trust_tracking_uri = layers.pick(
            argument="trust_tracking_uri",
            env=(CONFIRM_LEGACY_URI,),
            file_key="trust_tracking_uri",
            parse=lambda raw, src: parse_bool(raw, name=src),
            default=False,
        )
        remote_uri = _remote_uri(layers, trust_tracking_uri, warn=mode.value.uses_remote)
        api_endpoint = _api_endpoint(layers, remote_uri)
        config = cls(
            mode=mode,
            remote_uri=remote_uri,
            api_endpoint=api_endpoint,
            event_endpoint=_event_endpoint(layers, api_endpoint),
            local_uri=layers.pick(
                argument="local_tracking_uri",
                env=("HOKUSAI_LOCAL_TRACKING_URI",),
                file_key="local_tracking_uri",
                parse=lambda raw, _src: raw.strip(),
                default=f"sqlite:///{local_dir / 'mlflow.db'}",
            ),
            local_artifact_root=Setting(str(local_dir / "artifacts"), home.source),
            probe_timeout=layers.pick(
                argument="probe_timeout",
                env=("HOKUSAI_PROBE_TIMEOUT",),
                file_key="probe_timeout",
                parse=lambda raw, src: parse_seconds(raw, name=src),
                default=DEFAULT_PROBE_TIMEOUT,
            ),
            breaker_cooldown=layers.pick(
                argument="breaker_cooldown",
                env=("HOKUSAI_PROBE_CACHE_SECONDS",),
                file_key="probe_cache_seconds",
                parse=lambda raw, src: parse_seconds(raw, name=src),
                default=DEFAULT_BREAKER_COOLDOWN,
            ),
            request_timeout=layers.pick(
                argument="request_timeout",
                env=("HOKUSAI_REQUEST_TIMEOUT",),
                file_key="request_timeout",
                parse=lambda raw, src: parse_seconds(raw, name=src),
                default=DEFAULT_REQUEST_TIMEOUT,
            ),
            allow_insecure_http=layers.pick(
                argument="allow_insecure_http",
                env=("HOKUSAI_ALLOW_INSECURE_HTTP",),
                file_key="allow_insecure_http",
                parse=lambda raw, src: parse_bool(raw, name=src),
                default=False,
            ),
            trust_tracking_uri=trust_tracking_uri,
            experiment=layers.pick(
                argument="experiment",
                env=("HOKUSAI_EXPERIMENT",),
                file_key="experiment",
                parse=lambda raw, _src: raw.strip(),
                default=DEFAULT_EXPERIMENT,
            ),
            home=home,
            credentials=credentials or resolve_credentials(args, env, None, process),
            retry_deadline=layers.pick(
                argument="retry_deadline",
                env=("HOKUSAI_RETRY_DEADLINE",),
                file_key="retry_deadline",
                parse=lambda raw, src: parse_deadline(raw, name=src),
                default=DEFAULT_RETRY_DEADLINE,
            ),
            sync_concurrency=layers.pick(
                argument="sync_concurrency",
                env=("HOKUSAI_SYNC_CONCURRENCY",),
                file_key="sync_concurrency",
                parse=lambda raw, src: parse_concurrency(raw, name=src),
                default=DEFAULT_SYNC_CONCURRENCY,
            ),
        )
        config.check_transport()
        return config

    def check_transport(self) -> None:
        """Refuse to send the key anywhere but https, or plain http to this machine."""
        if not self.mode.value.uses_remote:
            return
        self.check_url(self.remote_uri, "remote tracking URI")
        for setting, what in ((self.api_endpoint, "API endpoint"), (self.event_api, "API URL")):
            if setting.source != DEFAULT and not setting.source.startswith(DERIVED):
                self.check_url(setting, what)

    def check_url(self, setting: Setting[str], what: str) -> None:
        """Refuse ``setting`` as a place to send the key: not http(s), credentials in it, or
        plain http to another machine (unless ``allow_insecure_http``)."""
        uri = setting.value
        parts = split_url(uri, what=what, source=setting.source)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"The {what} {uri!r} (from {setting.source}) is not an http(s) URL.",
                hint=f"Set HOKUSAI_TRACKING_URI to {DEFAULT_TRACKING_URI} or unset it.",
            )
        if parts.username or parts.password:
            raise ConfigurationError(
                f"The {what} (from {setting.source}) embeds credentials; "
                "they would show up in logs and error messages.",
                hint="Remove user:password@ from the URI; the key belongs in HOKUSAI_API_KEY, or "
                "run `hokusai login` to store it.",
            )
        if (
            parts.scheme == "http"
            and self.api_key is not None
            and not is_loopback(parts.hostname)
            and not self.allow_insecure_http.value
        ):
            raise InsecureTransportError(
                f"Refusing to send the API key over plain http to {parts.hostname}.",
                uri=uri,
            )

    def settings(self) -> list[tuple[str, str, str]]:
        """(name, displayed value, source) of every setting, the key and any secret in a URI
        masked, for ``doctor``."""
        rows: list[tuple[str, str, str]] = [
            ("mode", self.mode.value.value, self.mode.source),
            ("remote tracking URI", self.remote_uri.shown, self.remote_uri.source),
            ("API endpoint", self.api_endpoint.shown, self.api_endpoint.source),
            ("registration events to", self.event_api.shown, self.event_api.source),
            ("local tracking URI", self.local_uri.shown, self.local_uri.source),
            ("local artifacts", self.local_artifact_root.value, self.local_artifact_root.source),
            ("probe timeout (s)", f"{self.probe_timeout.value:g}", self.probe_timeout.source),
            ("request timeout (s)", f"{self.request_timeout.value:g}", self.request_timeout.source),
            ("probe cache (s)", f"{self.breaker_cooldown.value:g}", self.breaker_cooldown.source),
            (
                "allow insecure http",
                str(self.allow_insecure_http.value).lower(),
                self.allow_insecure_http.source,
            ),
            (
                "trust MLFLOW_TRACKING_URI",
                str(self.trust_tracking_uri.value).lower(),
                self.trust_tracking_uri.source,
            ),
            ("experiment", self.experiment.value, self.experiment.source),
            ("retry deadline (s)", f"{self.retry_deadline.value:g}", self.retry_deadline.source),
            ("sync concurrency", str(self.sync_concurrency.value), self.sync_concurrency.source),
            ("HOKUSAI_HOME", str(self.home.value), self.home.source),
            ("API key", self.credentials.masked or "(none)", self.credentials.source or "-"),
        ]
        return rows


_LEGACY_MODE_SWITCHES = (
    ("HOKUSAI_MOCK_MODE", Mode.MOCK),
    ("HOKUSAI_OPTIONAL_MLFLOW", Mode.OPTIONAL),
)


def _mode(layers: Layers) -> Setting[Mode]:
    # Legacy switches are parsed even when overridden, so a typo in them still surfaces.
    legacy = [
        Setting(mode, env_source(name))
        for name, mode in _LEGACY_MODE_SWITCHES
        if parse_bool(layers.environ.get(name, ""), name=name)
    ]
    chosen = layers.pick(
        argument="mode",
        env=("HOKUSAI_MLFLOW_MODE",),
        file_key=None,
        parse=Mode.parse,
        default=Mode.AUTO,
    )
    if chosen.source != DEFAULT:
        for switch in legacy:
            if switch.value != chosen.value:
                warn_once(
                    logger,
                    f"mode-conflict:{switch.source}:{chosen.source}",
                    "%s asks for mode %r but %s sets %r; using %r.",
                    switch.source,
                    switch.value.value,
                    chosen.source,
                    chosen.value.value,
                    chosen.value.value,
                )
        return chosen
    if legacy:
        if len(legacy) > 1:
            warn_once(
                logger,
                "mode-conflict:legacy",
                "Both HOKUSAI_MOCK_MODE and HOKUSAI_OPTIONAL_MLFLOW are on; using mock. "
                "Set HOKUSAI_MLFLOW_MODE instead.",
            )
        return legacy[0]
    return layers.pick(
        argument="mode",
        env=(),
        file_key="mode",
        parse=Mode.parse,
        default=Mode.AUTO,
    )


DERIVED = "derived from"


def _uri(raw: str) -> str:
    return raw.strip().rstrip("/")


def _mlflow_mount(raw: str) -> str:
    """``HOKUSAI_API_ENDPOINT`` and ``api_endpoint`` name the API base; MLflow hangs below it."""
    return f"{_uri(raw)}/mlflow"


Candidate = tuple[str, Callable[[str], str]]


def _remote_uri(layers: Layers, trust_legacy: Setting[bool], *, warn: bool) -> Setting[str]:
    """A full tracking URI beats an API endpoint in the same layer; a higher layer beats both.

    argument tracking_uri > argument api_endpoint > process default (same order) >
    HOKUSAI_TRACKING_URI > MLFLOW_TRACKING_URI (when trusted: ``legacy_uri_trusted``) >
    HOKUSAI_API_ENDPOINT > config file tracking_uri > config file api_endpoint > default.
    """
    names: list[Candidate] = [("tracking_uri", _uri), ("api_endpoint", _mlflow_mount)]
    for name, shape in names:
        given = layers.arguments.get(name)
        if given is not None:
            return Setting(
                shape(str(given)), ARGUMENT if name == "tracking_uri" else f"the {name} argument"
            )
    for name, shape in names:
        default_set = layers.process.get(name)
        if default_set is not None:
            return Setting(shape(str(default_set.value)), default_set.source)
    env: list[Candidate] = [("HOKUSAI_TRACKING_URI", _uri)]
    if _legacy_uri_usable(layers.environ, trust_legacy, warn=warn):
        env.append(("MLFLOW_TRACKING_URI", _uri))
    env.append(("HOKUSAI_API_ENDPOINT", _mlflow_mount))
    for name, shape in env:
        raw = layers.environ.get(name, "")
        if raw.strip():
            return Setting(shape(raw), env_source(name))
    for name, shape in names:
        raw = layers.file_values.get(name, "")
        if raw.strip():
            return Setting(shape(raw), file_source(layers.file_path))
    return Setting(DEFAULT_TRACKING_URI, DEFAULT)


def legacy_uri_trusted(uri: str, trust: Setting[bool]) -> bool:
    """May ``MLFLOW_TRACKING_URI`` name the Hokusai registry, and so receive the Hokusai key?

    MLflow's own variable is often a company MLflow server that other tools in the same shell
    use; taking it for the registry would hand that server the Hokusai key. It names the
    registry only when its host is a Hokusai host or this machine, or the user confirmed it
    (``HOKUSAI_TRUST_TRACKING_URI=true``).
    """
    host = host_of(uri)
    if host is None:
        return False
    return trust.value or is_hokusai_host(host) or is_loopback(host)


def _legacy_uri_usable(env: Mapping[str, str], trust: Setting[bool], *, warn: bool) -> bool:
    legacy = env.get("MLFLOW_TRACKING_URI", "").strip()
    # Often a local sqlite file for other tools in the same shell: never the hosted registry.
    if not legacy.lower().startswith(("http://", "https://")):
        if legacy:
            # Not its value: a key pasted into the wrong variable must not reach the log.
            logger.debug("Ignoring MLFLOW_TRACKING_URI: not an http(s) registry URL.")
        return False
    if legacy_uri_trusted(legacy, trust):
        return True
    if warn and not env.get("HOKUSAI_TRACKING_URI", "").strip():
        warn_once(logger, "untrusted-mlflow-tracking-uri", UNTRUSTED_LEGACY_URI, host_of(legacy))
    return False


UNTRUSTED_LEGACY_URI = (
    "Ignoring MLFLOW_TRACKING_URI (host %s): it is not a Hokusai host, so it is not taken for "
    "the Hokusai registry and the Hokusai API key is not sent there. If it is your Hokusai "
    f"registry, set HOKUSAI_TRACKING_URI to it (or {CONFIRM_LEGACY_URI}=true); otherwise "
    "nothing to do."
)


def _event_endpoint(layers: Layers, api_endpoint: Setting[str]) -> Setting[str] | None:
    """The earlier SDK sent its events to HOKUSAI_API_URL when HOKUSAI_API_ENDPOINT was unset;
    an endpoint set anywhere still wins over it."""
    explicit = api_endpoint.source != DEFAULT and not api_endpoint.source.startswith(DERIVED)
    raw = layers.environ.get(EVENT_URL_VARIABLE, "")
    if explicit or not raw.strip():
        return None
    return Setting(_uri(raw), env_source(EVENT_URL_VARIABLE))


EVENT_URL_VARIABLE = "HOKUSAI_API_URL"


def _api_endpoint(layers: Layers, remote_uri: Setting[str]) -> Setting[str]:
    """Where the platform API is: set explicitly, else the tracking URI without ``/mlflow``."""
    chosen = layers.pick(
        argument="api_endpoint",
        env=("HOKUSAI_API_ENDPOINT",),
        file_key="api_endpoint",
        parse=lambda raw, _src: _uri(raw),
        default=DEFAULT_API_ENDPOINT,
    )
    if chosen.source != DEFAULT:
        return chosen
    if remote_uri.source != DEFAULT and remote_uri.value.endswith("/mlflow"):
        return Setting(remote_uri.value[: -len("/mlflow")], f"{DERIVED} the tracking URI")
    return chosen


__all__ = [
    "CONFIRM_LEGACY_URI",
    "DEFAULT_API_ENDPOINT",
    "DEFAULT_TRACKING_URI",
    "Mode",
    "TrackingConfig",
    "is_loopback",
    "legacy_uri_trusted",
    "resolve_credentials",
    "resolve_home",
]


def parse_concurrency(raw: str, *, name: str) -> int:
    """How many records a sync pushes at once: a whole number from 1 to MAX_SYNC_CONCURRENCY."""
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_SYNC_CONCURRENCY:
        raise ConfigurationError(
            f"{name}={raw!r} must be a whole number from 1 to {MAX_SYNC_CONCURRENCY}."
        )
    return value
