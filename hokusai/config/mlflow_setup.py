"""``hokusai.config.mlflow_setup``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.mlflow_setup`, a layer above the settings: each
name is found there on first use, so the settings never import the registry.
"""

from typing import Any

from hokusai.support.lazy import lazy_attributes

__all__ = [
    "MLflowSetup",
    "ensure_mlflow_configured",
    "get_mlflow_config",
    "get_mlflow_status",
    "probe_error",
    "setup_mlflow",
    "status_with",
]

_elsewhere = lazy_attributes(__name__, dict.fromkeys(__all__, "hokusai.earlier.mlflow_setup"))


def __getattr__(name: str) -> Any:
    return _elsewhere(name)
