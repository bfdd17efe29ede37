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
    if config.api_key is None and config.mode.value.uses_remote:
        # The first thing to fix: without a key nothing reaches the registry, whatever the
        # network checks below say.
        from hokusai.doctor.connection import no_key_error

        return Check.failure("configuration", no_key_error(config))
    key = (
        f"key {config.credentials.masked} from {config.credentials.source}"
        if config.api_key
        else "no API key"
    )
    return Check("configuration", "ok", f"registry {config.remote_uri.shown}, {key}")


def mode_check(config: TrackingConfig) -> Check:
    mode = config.mode
    if mode.value.uses_remote:
        return Check("mode", "ok", f"{mode.value.value} (from {mode.source})")
    # A choice, not a fault: doctor's exit code 8 says it, without a FAIL mark.
    return Check(
        "mode",
        "ok",
        f"{mode.value.value} (from {mode.source}): registrations stay on this machine",
        hint="Unset HOKUSAI_MLFLOW_MODE (or set it to auto) to use the hosted registry.",
    )
