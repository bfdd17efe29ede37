"""``hokusai://``: a tracking URI that points plain ``mlflow.*`` calls at the hosted registry.

``mlflow.set_tracking_uri("hokusai://")`` (or ``MLFLOW_TRACKING_URI=hokusai://``) is the user's
explicit choice; the SDK never sets it. MLflow then builds its stores for that URI through the
package's plugin entry points (``mlflow.tracking_store``, ``mlflow.model_registry_store``,
``mlflow.artifact_repository``), and the builders here resolve the Hokusai configuration the
way ``ModelRegistry()`` does (``hokusai.configure()`` > ``HOKUSAI_API_KEY`` > ... > the key
``hokusai login`` stored; ``hokusai://<profile>`` picks a stored profile). Every request goes
through the registry's ``RegistryTransport`` with the key in its own auth: the key is sent
to the registry's origin only, and nothing is written to ``os.environ`` (not even
``MLFLOW_TRACKING_AUTH``), the way ``databricks://<profile>`` carries its own credentials.

Artifacts: the server hands out ``mlflow-artifacts:/<path>`` locations, which MLflow resolves
against the tracking URI and which only an http(s) tracking URI can resolve. The stores show
them to MLflow as ``hokusai://<profile>/<path>`` (run artifact URIs, logged model locations,
model version sources) and turn them back into ``mlflow-artifacts:/<path>`` on the way to the
server, so the registry stores what any other client expects; the artifact repository for
``hokusai://`` moves the files through the same transport. MLflow's own ``mlflow-artifacts``
scheme is left alone.

MLflow builds a tracking or registry store once per URI and keeps it, so those read the
configuration on the first MLflow call that needs them; a failed build (no key) is not kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from hokusai.config import keys, resolution
from hokusai.config.tracking import TrackingConfig
from hokusai.errors import AuthenticationError, ConfigurationError, mask_keys
from hokusai.transport.http_bounds import RegistryTransport

SCHEME = "hokusai"
_SERVER_SCHEME = "mlflow-artifacts:"
# The JSON fields of MLflow's answers and requests that hold artifact locations: a run's
# artifact_uri, an experiment's or logged model's location, a model version's source (and the
# download URI of a model version).
_LOCATION_FIELDS = frozenset({"artifact_uri", "artifact_location", "source"})


def profile_of(uri: str) -> str | None:
    """The stored-key profile a ``hokusai://[<profile>]`` tracking or registry URI names."""
    parts = urlsplit(uri)
    if "@" in parts.netloc or ":" in parts.netloc:
        raise ConfigurationError(
            "A hokusai:// URI names a profile only; a key or password in it would show up in "
            "logs and error messages.",
            hint="Run `hokusai login --profile <name>` and use hokusai://<name>.",
        )
    if parts.scheme != SCHEME or parts.path.strip("/") or parts.query or parts.fragment:
        raise ConfigurationError(
            f"{mask_keys(uri)!r} is not a Hokusai tracking URI.",
            hint="Use hokusai:// (the configured registry and key) or hokusai://<profile> "
            "(a key stored with `hokusai login --profile <profile>`).",
        )
    return parts.netloc or None


def registry_config(
    profile: str | None, environ: Mapping[str, str] | None = None
) -> TrackingConfig:
    """What ``ModelRegistry(mode="remote", profile=profile)`` resolves; a key is required."""
    arguments: dict[str, object] = {"mode": "remote"}
    if profile is not None:
        arguments["profile"] = profile
    env = os.environ if environ is None else environ
    # A profile named in the URI is checked as the profile argument is.
    keys.resolve_profile(arguments, env)
    config = resolution.registry_config(arguments, env)
    if config.api_key is None:
        raise AuthenticationError.missing_key(config.remote_uri.value)
    return config


def transport_for(
    config: TrackingConfig, environ: Mapping[str, str] | None = None
) -> RegistryTransport:
    """The registry's transport, its key in a binding of its own (not the process's table)."""
    from hokusai.connection import request_auth
    from hokusai.container import registry_transport
    from hokusai.transport.retry_policy import RetryPolicy

    assert config.api_key is not None  # registry_config refuses a configuration without one
    binding = request_auth.fixed_binding(
        config.remote_uri.value,
        config.api_key,
        allow_insecure_http=config.allow_insecure_http.value,
    )
    retry = RetryPolicy(
        deadline=config.retry_deadline.value,
        source=config.retry_deadline.source,
        sleep=time.sleep,
        clock=time.monotonic,
    )
    transport = registry_transport(
        config, os.environ if environ is None else environ, binding, retry=retry
    )
    assert transport is not None  # check_transport admits only http(s) remote URIs
    return transport


class ArtifactLocations:
    """``mlflow-artifacts:/<path>`` on the server <-> ``hokusai://<profile>/<path>`` in MLflow."""

    def __init__(self, profile: str | None) -> None:
        self._profile = profile or ""

    def to_client(self, location: str) -> str:
        parts = urlsplit(location)
        if not location.startswith(_SERVER_SCHEME) or parts.netloc or not parts.path:
            return location
        return f"{SCHEME}://{self._profile}/{parts.path.lstrip('/')}"

    def to_server(self, location: str) -> str:
        # MLflow joins paths onto these and may drop the empty authority (hokusai:/0/...).
        parts = urlsplit(location)
        if parts.scheme != SCHEME or parts.netloc != self._profile or not parts.path.strip("/"):
            return location
        return f"{_SERVER_SCHEME}/{parts.path.lstrip('/')}"

    def outgoing(self, body: Any) -> Any:
        return _rewrite(body, self.to_server)

    def incoming(self, body: Any) -> Any:
        return _rewrite(body, self.to_client)


def _rewrite(body: Any, change: Callable[[str], str], field: str | None = None) -> Any:
    if isinstance(body, dict):
        return {name: _rewrite(value, change, name) for name, value in body.items()}
    if isinstance(body, list):
        return [_rewrite(value, change, field) for value in body]
    if isinstance(body, str) and field in _LOCATION_FIELDS:
        return change(body)
    return body


def tracking_store(store_uri: str, artifact_uri: str | None = None) -> Any:
    """``mlflow.tracking_store`` entry point for ``hokusai://``."""
    from hokusai.mlflow_internals.routes import RoutedTrackingStore

    profile = profile_of(store_uri)
    config = registry_config(profile)
    return RoutedTrackingStore(transport_for(config), ArtifactLocations(profile))


def registry_store(store_uri: str, tracking_uri: str | None = None) -> Any:
    """``mlflow.model_registry_store`` entry point for ``hokusai://``."""
    from hokusai.mlflow_internals.routes import RoutedRegistryStore

    profile = profile_of(store_uri)
    config = registry_config(profile)
    return RoutedRegistryStore(transport_for(config), ArtifactLocations(profile))


def artifact_repository(
    artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
) -> Any:
    """``mlflow.artifact_repository`` entry point for ``hokusai://<profile>/<path>``."""
    from hokusai.mlflow_internals.routes import RoutedArtifactRepository

    parts = urlsplit(artifact_uri)
    profile = parts.netloc or None
    config = registry_config(profile)
    location = ArtifactLocations(profile).to_server(artifact_uri)
    return RoutedArtifactRepository(location, transport_for(config), config.remote_uri.value)


def register() -> None:
    """Register the ``hokusai`` scheme with MLflow where the package's entry points are not
    installed (a source tree on ``PYTHONPATH``); an installed package needs no call."""
    from hokusai.mlflow_internals import store_registries

    tracking, registry, artifacts = store_registries()
    tracking.register(SCHEME, tracking_store)
    registry.register(SCHEME, registry_store)
    artifacts.register(SCHEME, artifact_repository)
