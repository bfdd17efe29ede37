"""The earlier SDK's ``setup_mlflow``, ``get_mlflow_status`` and ``ensure_mlflow_configured``.

They used to call ``mlflow.set_tracking_uri`` and write the key into ``MLFLOW_TRACKING_TOKEN``
(and wiped it again on a failed connection, which then broke later calls with 401s). Here they
set hokusai's process default, as ``hokusai.configure()`` does, and check the registry the way
a ``ModelRegistry`` would; MLflow's global state and ``os.environ`` are left alone.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hokusai.config import defaults
from hokusai.config.credentials import ApiKey
from hokusai.config.sources import Setting
from hokusai.config.tracking import DEFAULT_TRACKING_URI
from hokusai.errors import ConfigurationError, HokusaiError

if TYPE_CHECKING:
    from hokusai.models import RegistryStatus
    from hokusai.registry import ModelRegistry

logger = logging.getLogger(__name__)

SETUP_MLFLOW = "hokusai.config.setup_mlflow()"


def _registry(process: Mapping[str, Setting[Any]] | None) -> ModelRegistry:
    """A default ``ModelRegistry()``, as if ``process`` were the process default."""
    from dependency_injector import providers

    from hokusai.container import Container
    from hokusai.registry import ModelRegistry

    container = Container()
    if process is not None:
        container.process_defaults.override(providers.Object(process))
    return ModelRegistry(container=container)


def status_with(
    process: Mapping[str, Setting[Any]] | None = None, *, probe: bool = True
) -> RegistryStatus:
    """The status of a default ``ModelRegistry()``, optionally as if ``process`` were the
    process default; ``probe`` checks the remote registry now (one request, bounded)."""
    with _registry(process) as registry:
        return registry.status(probe=probe)


def probe_error(process: Mapping[str, Setting[Any]] | None) -> HokusaiError | None:
    """The typed error one probe of the remote registry meets, or None when it answers."""
    with _registry(process) as registry:
        if registry.config.api_key is None or not registry.config.mode.value.uses_remote:
            return None
        outcome = registry.container.breaker().outcome()
        return None if outcome.reachable else outcome.error


_NO_GLOBAL_STATE = (
    "no longer sets MLflow's global tracking URI or MLFLOW_TRACKING_TOKEN: it sets hokusai's "
    "process default, like hokusai.configure(). Use hokusai.configure(api_key) or "
    "ModelRegistry(tracking_uri, api_key), and registry.client for raw MLflow calls."
)


def setup_mlflow(
    tracking_uri: str | None = None, api_key: str | None = None, force_local: bool = False
) -> bool:
    """Set the process default registry and key, then say whether registrations will work.

    ``force_local=True`` makes the default mode ``local`` (the store under ``HOKUSAI_HOME``).
    Returns False in mock mode, for a rejected key, or when the registry is unreachable in mode
    ``remote``; a setting that cannot work (plain http to another host, ...) raises
    ``ConfigurationError`` and changes nothing.
    """
    warnings.warn(f"{SETUP_MLFLOW} {_NO_GLOBAL_STATE}", DeprecationWarning, stacklevel=2)
    return _setup(tracking_uri, api_key, force_local)


def _setup(tracking_uri: str | None, api_key: str | None, force_local: bool) -> bool:
    values: dict[str, object] = {"mode": "local" if force_local else None}
    if tracking_uri is not None:
        values["tracking_uri"] = tracking_uri
    if api_key is not None:
        values["api_key"] = ApiKey(api_key, source=f"the api_key argument of {SETUP_MLFLOW}")
    current = defaults.current()
    candidate = dict(current.values) if current else {}
    for name, value in values.items():
        if value is None:
            candidate.pop(name, None)
        else:
            candidate[name] = Setting(value, SETUP_MLFLOW)
    # Checked before it is installed: a bad setting must not break every later registry.
    ready = _ready(candidate)
    defaults.update(SETUP_MLFLOW, **values)
    return ready


def _ready(process: Mapping[str, Setting[Any]] | None) -> bool:
    try:
        status = status_with(process)
    except ConfigurationError:
        raise
    except HokusaiError as error:
        logger.error("The registry is not usable: %s", error)
        return False
    if not status.configured:
        logger.warning(
            "Registrations have nowhere to go (mode %s, registry %s).",
            status.mode,
            status.remote_uri,
        )
    return status.configured


def get_mlflow_status() -> RegistryStatus:
    """Mode, URIs, key source and a fresh probe, readable as the earlier SDK's dict
    (``configured``, ``tracking_uri``, ``is_local``, ``auth_method``, ``mock_mode``,
    ``optional_mode``)."""
    return status_with()


def ensure_mlflow_configured() -> bool:
    """Whether a default ``ModelRegistry()`` has a working place to register (checks now)."""
    return _ready(None)


def get_mlflow_config() -> dict[str, Any]:
    """Where a default ``ModelRegistry()`` would register and with what key; no request made.

    The earlier SDK's keys: ``tracking_uri`` and ``registry_uri`` (the registry's, not MLflow's
    global URI, which hokusai never sets), ``has_token`` (a Hokusai key will be sent),
    ``has_basic_auth`` and ``has_aws_auth`` (always False: the registry takes the Hokusai key
    only), ``mock_mode``, ``optional_mlflow``; also ``mode``, ``key_source``, ``masked_key``.
    """
    status = status_with(probe=False)
    uri = status.remote_uri if status.target == "remote" else status.local_uri
    return {
        "tracking_uri": uri,
        "registry_uri": uri,
        "has_token": status.target == "remote" and status.masked_key is not None,
        "has_basic_auth": False,
        "has_aws_auth": False,
        "mock_mode": status.mode == "mock",
        "optional_mlflow": status.mode == "optional",
        "mode": status.mode,
        "key_source": status.key_source,
        "masked_key": status.masked_key,
    }


class MLflowSetup:
    """The earlier SDK's ``MLflowSetup``: ``configure()`` is ``setup_mlflow()`` on this URI.

    ``tracking_uri`` is None until configured, unless given; ``get_status()`` is the
    earlier status dict. Nothing global of MLflow's is set, and ``os.environ`` is not written.
    """

    DEFAULT_TRACKING_URI = DEFAULT_TRACKING_URI

    def __init__(self, tracking_uri: str | None = None) -> None:
        warnings.warn(
            f"hokusai.config.mlflow_setup.MLflowSetup {_NO_GLOBAL_STATE}",
            DeprecationWarning,
            stacklevel=2,
        )
        self._given_uri = tracking_uri
        self.tracking_uri: str | None = tracking_uri
        self.is_configured = False
        self.is_local = False
        self.auth_method: str | None = None

    def configure(self, api_key: str | None = None, force_local: bool = False) -> bool:
        """Set hokusai's process default (this URI, ``api_key``) and check it, as
        ``setup_mlflow`` does; True when registrations will work."""
        self.is_configured = _setup(self._given_uri, api_key, force_local)
        status = status_with(probe=False).legacy_view()
        self.tracking_uri = status["tracking_uri"] or self._given_uri
        self.is_local = bool(status["is_local"])
        self.auth_method = str(status["auth_method"])
        return self.is_configured

    def get_status(self) -> dict[str, Any]:
        return {
            "configured": self.is_configured,
            "tracking_uri": self.tracking_uri if self.is_configured else None,
            "is_local": self.is_local,
            "auth_method": self.auth_method,
            **{
                k: v
                for k, v in get_mlflow_config().items()
                if k in ("mock_mode", "optional_mlflow")
            },
        }


__all__ = [
    "MLflowSetup",
    "ensure_mlflow_configured",
    "get_mlflow_config",
    "get_mlflow_status",
    "probe_error",
    "setup_mlflow",
    "status_with",
]
