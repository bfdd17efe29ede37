"""The platform's ``hokusai.core``: models eagerly, the registry on first use (as it was).

``from hokusai.core import ModelRegistry, HokusaiModel, ModelFactory, ModelType`` keeps working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hokusai.core.models import (
    ClassificationModel,
    CustomModel,
    HokusaiModel,
    ModelFactory,
    ModelType,
    RegressionModel,
)
from hokusai.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.core.registry import (
        ModelLineage,
        ModelRegistry,
        ModelRegistryEntry,
        RegistryException,
    )

__getattr__ = lazy_attributes(
    __name__,
    {
        "ModelRegistry": "hokusai.core.registry",
        "ModelRegistryEntry": "hokusai.core.registry",
        "ModelLineage": "hokusai.core.registry",
        "RegistryException": "hokusai.core.registry",
        "NotificationError": "hokusai.exceptions",
    },
)

__all__ = [
    "ClassificationModel",
    "CustomModel",
    "HokusaiModel",
    "ModelFactory",
    "ModelLineage",
    "ModelRegistry",
    "ModelRegistryEntry",
    "ModelType",
    "NotificationError",
    "RegistryException",
    "RegressionModel",
]
