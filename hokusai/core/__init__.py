"""The earlier SDK's ``hokusai.core``, kept for code that imports it.
May import: the modules it points at.

The platform's ``hokusai.core``: models eagerly; the registry, A/B testing, versioning and
inference on first use.

``from hokusai.core import ModelRegistry, HokusaiModel, ModelFactory, ModelType`` keeps working,
as do the earlier names of ``ab_testing``, ``versioning`` and ``inference``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hokusai.platform.hokusai_model import (
    ClassificationModel,
    CustomModel,
    HokusaiModel,
    ModelFactory,
    ModelType,
    RegressionModel,
)
from hokusai.support.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.core.registry import (
        ModelLineage,
        ModelRegistry,
        ModelRegistryEntry,
        RegistryException,
    )
    from hokusai.earlier.ab_testing import (
        ABTestConfig,
        ABTestException,
        ABTestResult,
        ModelTrafficRouter,
        TrafficSplit,
    )
    from hokusai.earlier.inference import (
        BatchProcessor,
        CacheConfig,
        HokusaiInferencePipeline,
        InferenceException,
        InferenceRequest,
        InferenceResponse,
    )
    from hokusai.earlier.versioning import (
        ModelVersionManager,
        Version,
        VersionComparisonResult,
        VersioningException,
    )

_ELSEWHERE = {
    "NotificationError": "hokusai.exceptions",
    **dict.fromkeys(
        ["ModelRegistry", "ModelRegistryEntry", "ModelLineage", "RegistryException"],
        "hokusai.core.registry",
    ),
    **dict.fromkeys(
        ["ABTestConfig", "ABTestException", "ABTestResult", "ModelTrafficRouter", "TrafficSplit"],
        "hokusai.earlier.ab_testing",
    ),
    **dict.fromkeys(
        ["ModelVersionManager", "Version", "VersionComparisonResult", "VersioningException"],
        "hokusai.earlier.versioning",
    ),
    **dict.fromkeys(
        [
            "BatchProcessor",
            "CacheConfig",
            "HokusaiInferencePipeline",
            "InferenceException",
            "InferenceRequest",
            "InferenceResponse",
        ],
        "hokusai.earlier.inference",
    ),
}

__getattr__ = lazy_attributes(__name__, _ELSEWHERE)

__all__ = [
    "ABTestConfig",
    "ABTestException",
    "ABTestResult",
    "BatchProcessor",
    "CacheConfig",
    "ClassificationModel",
    "CustomModel",
    "HokusaiInferencePipeline",
    "HokusaiModel",
    "InferenceException",
    "InferenceRequest",
    "InferenceResponse",
    "ModelFactory",
    "ModelLineage",
    "ModelRegistry",
    "ModelRegistryEntry",
    "ModelTrafficRouter",
    "ModelType",
    "ModelVersionManager",
    "NotificationError",
    "RegistryException",
    "RegressionModel",
    "TrafficSplit",
    "Version",
    "VersionComparisonResult",
    "VersioningException",
]
