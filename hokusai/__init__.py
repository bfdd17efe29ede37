"""Hokusai SDK: register models on the Hokusai ML Platform's hosted MLflow registry.

``import hokusai`` is cheap: MLflow (about 1.4 s to import) loads on first use.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    HokusaiError,
    HokusaiException,
    InsecureTransportError,
    InvalidInputError,
    LocalStoreError,
    MLflowAuthenticationError,
    MLflowConnectionError,
    ModelNotFoundError,
    NotificationError,
    PermissionDeniedError,
    RateLimitedError,
    RegistryError,
    RegistryUnavailableError,
    TLSError,
    UnsupportedMlflowError,
)
from hokusai.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.auth.client import HokusaiAuth, configure, setup
    from hokusai.config.mlflow_auth import setup_mlflow_auth
    from hokusai.core.inference import HokusaiInferencePipeline
    from hokusai.core.models import HokusaiModel
    from hokusai.core.versioning import ModelVersionManager
    from hokusai.models import ModelRegistryEntry, RegistryStatus
    from hokusai.registry import ModelRegistry
    from hokusai.tracking.experiments import ExperimentManager
    from hokusai.tracking.performance import PerformanceTracker

    __version__: str


@cache
def _distribution_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hokusai-ml-platform")
    except PackageNotFoundError:  # a source tree on sys.path, never installed
        return "0+unknown"


_lazy = lazy_attributes(
    __name__,
    {
        "ModelRegistry": "hokusai.registry",
        "ModelRegistryEntry": "hokusai.models",
        "RegistryStatus": "hokusai.models",
        "ModelLineage": "hokusai.models",
        "TrackingConfig": "hokusai.config",
        "Mode": "hokusai.config",
        "ApiKey": "hokusai.credentials",
        "Container": "hokusai.container",
        # The earlier SDK's root names.
        "HokusaiAuth": "hokusai.auth.client",
        "configure": "hokusai.auth.client",
        "setup": "hokusai.auth.client",
        "setup_mlflow_auth": "hokusai.config.mlflow_auth",
        "HokusaiModel": "hokusai.core.models",
        "ModelVersionManager": "hokusai.core.versioning",
        "HokusaiInferencePipeline": "hokusai.core.inference",
        "ExperimentManager": "hokusai.tracking.experiments",
        "PerformanceTracker": "hokusai.tracking.performance",
    },
)


def __getattr__(name: str) -> Any:
    # __version__ too is read on first use: importlib.metadata costs tens of milliseconds, which
    # every `hokusai` command would pay at start.
    return _distribution_version() if name == "__version__" else _lazy(name)


def get_mlflow_status(*, probe: bool = True, **registry_args: Any) -> RegistryStatus:
    """Mode, URIs, key source and masked key, and a fresh probe of the remote registry.

    The result also reads as the earlier SDK's status dict: ``status["configured"]``,
    ``status["tracking_uri"]``, ``status.get("mock_mode")``.
    """
    from hokusai.registry import ModelRegistry

    with ModelRegistry(**registry_args) as registry:
        return registry.status(probe=probe)


__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ExperimentManager",
    "HokusaiAuth",
    "HokusaiError",
    "HokusaiException",
    "HokusaiInferencePipeline",
    "HokusaiModel",
    "InsecureTransportError",
    "InvalidInputError",
    "LocalStoreError",
    "MLflowAuthenticationError",
    "MLflowConnectionError",
    "ModelNotFoundError",
    "ModelRegistry",
    "ModelRegistryEntry",
    "ModelVersionManager",
    "NotificationError",
    "PerformanceTracker",
    "PermissionDeniedError",
    "RateLimitedError",
    "RegistryError",
    "RegistryStatus",
    "RegistryUnavailableError",
    "TLSError",
    "UnsupportedMlflowError",
    "__version__",
    "configure",
    "get_mlflow_status",
    "setup",
    "setup_mlflow_auth",
]
