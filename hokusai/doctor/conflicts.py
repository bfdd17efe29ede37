"""Settings that fight the configuration: MLflow basic auth, another MLflow auth provider,
legacy variables shadowed by their replacements, the earlier SDK's settings (an endpoint that
another setting overrides, a key read from the deprecated config-file line), a key or other
secret written into the registry's URI, and a plain-http remote.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from hokusai.config.sources import DEFAULT, Setting, env_source
from hokusai.config.tracking import (
    CONFIRM_LEGACY_URI,
    DEFAULT_TRACKING_URI,
    DERIVED,
    TrackingConfig,
    is_loopback,
    legacy_uri_trusted,
)
from hokusai.config.urls import host_of
from hokusai.connection.request_auth import PROVIDER_NAME
from hokusai.doctor.report import Check
from hokusai.errors import ConfigurationError, InsecureTransportError, mask_keys, secrets_in_uri


def conflicts(env: Mapping[str, str], config: TrackingConfig | None) -> Iterator[Check]:
    def present(name: str) -> bool:
        return bool(env.get(name, "").strip())

    basic = [n for n in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD") if present(n)]
    # Warn on either half: MLflow pairs a username from one place with a password from another.
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
        yield Check.failure("MLFLOW_TRACKING_AUTH", error)
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
        yield from _secrets_in_uris(config)
        yield from _untrusted_legacy_uri(env, config)
        yield from _earlier_sdk_settings(env, config)
        yield from _transport_warning(config)


def _secrets_in_uris(config: TrackingConfig) -> Iterator[Check]:
    """A key (or any token or password) written into the registry's URI: ``?api_key=...``.

    The proxy would take ``?api_key=``, but a URL is kept in shell history and in server and
    proxy logs, and MLflow appends its request paths after a query string, so no request
    reaches the registry's API. Shown masked everywhere; here doctor says where the key goes.
    """
    uris: list[tuple[str, Setting[str]]] = [("remote tracking URI", config.remote_uri)]
    endpoint = config.api_endpoint
    # Once per setting: HOKUSAI_API_ENDPOINT alone is both the endpoint and the registry.
    if endpoint.source not in (DEFAULT, config.remote_uri.source) and not (
        endpoint.source.startswith(DERIVED)
    ):
        uris.append(("API endpoint", endpoint))
    for what, setting in uris:
        found = secrets_in_uri(setting.value)
        if not found:
            continue
        # MLflow appends its paths to the URI: after a query string they are no longer a path.
        broken = ", and MLflow's requests to a URI with a query string miss the registry's API"
        error = ConfigurationError(
            f"The {what} (from {setting.source}) holds a secret ({', '.join(found)}): "
            "a key in a URL ends up in shell history and in server and proxy logs"
            f"{broken if '?' in setting.value else ''}.",
            hint=f"Write the URI without it in {setting.source} (the hosted registry is "
            f"{DEFAULT_TRACKING_URI}); "
            "the key belongs in HOKUSAI_API_KEY, or run `hokusai login` to store it.",
        )
        if config.mode.value.uses_remote:
            yield Check.failure(f"secret in {what}", error)
        else:
            yield Check(f"secret in {what}", "warn", error.message, error=error)


def _earlier_sdk_settings(env: Mapping[str, str], config: TrackingConfig) -> Iterator[Check]:
    endpoint = env.get("HOKUSAI_API_ENDPOINT", "").strip()
    if (
        endpoint
        and config.mode.value.uses_remote
        and config.remote_uri.source != env_source("HOKUSAI_API_ENDPOINT")
    ):
        yield Check(
            "HOKUSAI_API_ENDPOINT",
            "warn",
            f"HOKUSAI_API_ENDPOINT is set, but the registry {config.remote_uri.shown} comes from "
            f"{config.remote_uri.source}, which wins",
            hint="Unset one of them so that the registry in use is the one you meant.",
        )
    if (config.credentials.source or "").endswith("(deprecated)"):
        yield Check(
            "legacy config key",
            "warn",
            f"The API key comes from {config.credentials.source}",
            hint="Run `hokusai login` to store it in the OS keyring (or a 0600 file), then "
            "delete the api_key line from that file.",
        )


def _untrusted_legacy_uri(env: Mapping[str, str], config: TrackingConfig) -> Iterator[Check]:
    legacy = env.get("MLFLOW_TRACKING_URI", "").strip()
    if (
        not legacy.lower().startswith(("http://", "https://"))
        or env.get("HOKUSAI_TRACKING_URI", "").strip()
        or legacy_uri_trusted(legacy, config.trust_tracking_uri)
    ):
        return
    yield Check(
        "MLFLOW_TRACKING_URI",
        "warn",
        f"MLFLOW_TRACKING_URI points at {host_of(legacy) or mask_keys(legacy)!r}, which is not a "
        f"Hokusai host: it is ignored, the registry is {config.remote_uri.shown} "
        f"({config.remote_uri.source}), and the Hokusai key is not sent to it",
        hint="If that server is your Hokusai registry, set HOKUSAI_TRACKING_URI to it (or "
        f"{CONFIRM_LEGACY_URI}=true); if it is another MLflow server, nothing to do.",
    )


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
            f"the registry {config.remote_uri.shown} is plain http; the key travels unencrypted "
            f"({config.allow_insecure_http.source} allows it)",
            hint="Use https://registry.hokus.ai/api/mlflow.",
        )
        return
    if config.api_key is None:
        yield Check(
            "plain http",
            "warn",
            f"the registry {config.remote_uri.shown} is plain http: the SDK will refuse to send "
            "a key there",
            hint=InsecureTransportError.default_hint,
        )
    # With a key, resolving the configuration has already failed on it: the configuration check.
