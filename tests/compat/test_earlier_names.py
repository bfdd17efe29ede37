"""Every public name of the earlier SDK imports where it was, and the package stays cheap."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import hokusai

EARLIER_PATHS = [
    ("hokusai.tracking", "ExperimentManager"),
    ("hokusai.tracking", "PerformanceTracker"),
    ("hokusai.tracking.experiments", "ExperimentManager"),
    ("hokusai.tracking.performance", "PerformanceTracker"),
    ("hokusai.core.versioning", "ModelVersionManager"),
    ("hokusai.core.versioning", "Version"),
    ("hokusai.core.versioning", "VersionComparisonResult"),
    ("hokusai.core.versioning", "VersioningException"),
    ("hokusai.core.inference", "HokusaiInferencePipeline"),
    ("hokusai.core.inference", "InferenceRequest"),
    ("hokusai.core.inference", "InferenceResponse"),
    ("hokusai.core.inference", "CacheConfig"),
    ("hokusai.core.inference", "BatchProcessor"),
    ("hokusai.core.inference", "InferenceException"),
    ("hokusai.core.ab_testing", "ModelTrafficRouter"),
    ("hokusai.core.ab_testing", "ABTestConfig"),
    ("hokusai.core.ab_testing", "ABTestResult"),
    ("hokusai.core.ab_testing", "TrafficSplit"),
    ("hokusai.core.ab_testing", "ABTestException"),
    ("hokusai.auth.config", "ProfileManager"),
    ("hokusai.auth.config", "AuthConfig"),
    ("hokusai.config", "get_mlflow_config"),
    ("hokusai.config.mlflow_setup", "MLflowSetup"),
    *(
        ("hokusai.core.notification", name)
        for name in (
            "DEFAULT_API_ENDPOINT",
            "REGISTRATION_EVENT_PATH",
            "MAX_ERROR_BODY_LENGTH",
            "OPTIONAL_REGISTRATION_FIELDS",
            "NotificationError",
            "resolve_registration_event_api_endpoint",
            "build_pipeline_registration_event_url",
            "build_registration_event_payload",
            "notify_pipeline_of_registration",
        )
    ),
]


@pytest.mark.parametrize(("module", "name"), EARLIER_PATHS)
def test_each_earlier_name_imports_from_its_earlier_path(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is not None


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("ModelVersionManager", "hokusai.core.versioning"),
        ("HokusaiInferencePipeline", "hokusai.core.inference"),
        ("ExperimentManager", "hokusai.tracking"),
        ("PerformanceTracker", "hokusai.tracking"),
    ],
)
def test_the_root_exports_the_earlier_root_names(name: str, module: str) -> None:
    assert name in hokusai.__all__
    assert getattr(hokusai, name) is getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(
    "name",
    [
        "ModelVersionManager",
        "HokusaiInferencePipeline",
        "ModelTrafficRouter",
        "ABTestConfig",
        "InferenceRequest",
        "VersioningException",
    ],
)
def test_hokusai_core_exports_the_earlier_core_names(name: str) -> None:
    import hokusai.core

    assert name in hokusai.core.__all__ and getattr(hokusai.core, name) is not None


def test_the_earlier_names_load_without_mlflow() -> None:
    probe = (
        "import sys, hokusai\n"
        "hokusai.ModelVersionManager, hokusai.HokusaiInferencePipeline\n"
        "hokusai.ExperimentManager, hokusai.PerformanceTracker\n"
        "import hokusai.core.ab_testing, hokusai.auth.config, hokusai.core.notification\n"
        "print('mlflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
