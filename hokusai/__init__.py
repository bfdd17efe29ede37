"""Hokusai SDK: register models on the Hokusai ML Platform's hosted MLflow registry.

``import hokusai`` is cheap: MLflow (about 1.4 s to import) loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    HokusaiError,
    InsecureTransportError,
    InvalidInputError,
    LocalStoreError,
    ModelNotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RegistryError,
    RegistryUnavailableError,
    TLSError,
)
from hokusai.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.models import ModelRegistryEntry, RegistryStatus
    from hokusai.registry import ModelRegistry


def _distribution_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hokusai-ml-platform")
    except PackageNotFoundError:  # a source tree on sys.path, never installed
        return "0+unknown"


__version__ = _distribution_version()

__getattr__ = lazy_attributes(
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
    },
)


def get_mlflow_status(*, probe: bool = True, **registry_args: Any) -> RegistryStatus:
    """Mode, URIs, key source and masked key, and a fresh probe of the remote registry."""
    from hokusai.registry import ModelRegistry

    with ModelRegistry(**registry_args) as registry:
        return registry.status(probe=probe)


__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "HokusaiError",
    "InsecureTransportError",
    "InvalidInputError",
    "LocalStoreError",
    "ModelNotFoundError",
    "ModelRegistry",
    "ModelRegistryEntry",
    "PermissionDeniedError",
    "RateLimitedError",
    "RegistryError",
    "RegistryStatus",
    "RegistryUnavailableError",
    "TLSError",
    "__version__",
    "get_mlflow_status",
]
