"""``hokusai.config.mlflow_auth``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.mlflow_auth`, a layer above the settings: each
name is found there on first use, so the settings never import the registry.
"""

from typing import Any

from hokusai.support.lazy import lazy_attributes

__all__ = [
    "MLflowAuthConfig",
    "get_mlflow_auth_status",
    "setup_mlflow_auth",
]

_elsewhere = lazy_attributes(__name__, dict.fromkeys(__all__, "hokusai.earlier.mlflow_auth"))


def __getattr__(name: str) -> Any:
    return _elsewhere(name)
