"""The configuration as a registry would resolve it, and the checks on it: the settings and
the mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from hokusai.config.tracking import TrackingConfig
from hokusai.doctor.report import Check
from hokusai.errors import ConfigurationError, HokusaiError, InsecureTransportError


def _config_from(env: Mapping[str, str], arguments: Mapping[str, object]) -> TrackingConfig:
    from hokusai.container import Container

    container = Container()
    container.environ.override(env)
    container.arguments.override(dict(arguments))
    config: TrackingConfig = container.tracking_config()
    return config


def resolve(env: Mapping[str, str]) -> tuple[TrackingConfig | None, HokusaiError | None]:
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


def configuration_check(config: TrackingConfig, error: HokusaiError | None) -> Check:
    if error is not None:
        return Check.failure("configuration", error)
    key = (
        f"key {config.credentials.masked} from {config.credentials.source}"
        if config.api_key
        else "no API key"
    )
    return Check("configuration", "ok", f"registry {config.remote_uri.value}, {key}")


def mode_check(config: TrackingConfig) -> Check:
    mode = config.mode
    if mode.value.uses_remote:
        return Check("mode", "ok", f"{mode.value.value} (from {mode.source})")
    return Check(
        "mode",
        "fail",
        f"{mode.value.value} (from {mode.source}): registrations never go to the hosted registry",
        hint="Unset HOKUSAI_MLFLOW_MODE (or set it to auto) to use the hosted registry.",
    )
