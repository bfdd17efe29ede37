"""Hokusai SDK: register models on the Hokusai ML Platform's hosted MLflow registry.

``import hokusai`` is cheap: MLflow (about 1.4 s to import) loads on first use.
"""

from __future__ import annotations

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
from hokusai.support.distribution import installed_version
from hokusai.support.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.config.hokusai_auth import HokusaiAuth, configure, setup
    from hokusai.earlier.experiments import ExperimentManager
    from hokusai.earlier.inference import HokusaiInferencePipeline
    from hokusai.earlier.mlflow_auth import setup_mlflow_auth
    from hokusai.earlier.performance import PerformanceTracker
    from hokusai.earlier.versioning import ModelVersionManager
    from hokusai.models import ModelRegistryEntry, RegistryStatus
    from hokusai.platform.hokusai_model import HokusaiModel
    from hokusai.registry import ModelRegistry

    __version__: str


_lazy = lazy_attributes(
    __name__,
    {
        "ModelRegistry": "hokusai.registry",
        "ModelRegistryEntry": "hokusai.models",
        "RegistryStatus": "hokusai.models",
        "ModelLineage": "hokusai.models",
        "TrackingConfig": "hokusai.config",
        "Mode": "hokusai.config",
        "ApiKey": "hokusai.config.credentials",
        "Container": "hokusai.container",
        # The earlier SDK's root names.
        "HokusaiAuth": "hokusai.config.hokusai_auth",
        "configure": "hokusai.config.hokusai_auth",
        "setup": "hokusai.config.hokusai_auth",
        "setup_mlflow_auth": "hokusai.earlier.mlflow_auth",
        "HokusaiModel": "hokusai.platform.hokusai_model",
        "ModelVersionManager": "hokusai.earlier.versioning",
        "HokusaiInferencePipeline": "hokusai.earlier.inference",
        "ExperimentManager": "hokusai.earlier.experiments",
        "PerformanceTracker": "hokusai.earlier.performance",
    },
)


def __getattr__(name: str) -> Any:
    return installed_version() if name == "__version__" else _lazy(name)


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
