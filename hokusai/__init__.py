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

if TYPE_CHECKING:
    from hokusai.models import ModelRegistryEntry, RegistryStatus
    from hokusai.registry import ModelRegistry

__version__ = "0.1.0"

_LAZY = {
    "ModelRegistry": "hokusai.registry",
    "ModelRegistryEntry": "hokusai.models",
    "RegistryStatus": "hokusai.models",
    "ModelLineage": "hokusai.models",
    "TrackingConfig": "hokusai.config",
    "Mode": "hokusai.config",
    "ApiKey": "hokusai.credentials",
    "Container": "hokusai.container",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hokusai' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


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
