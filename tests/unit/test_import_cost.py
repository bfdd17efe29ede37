"""`import hokusai` and building a registry stay cheap: MLflow loads on first use only."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hokusai import ModelRegistry
from hokusai.errors import ConfigurationError


def _loaded_after(code: str) -> str:
    probe = f"{code}\nimport sys\nprint('mlflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip().splitlines()[-1]


def test_import_hokusai_does_not_import_mlflow() -> None:
    assert _loaded_after("import hokusai") == "False"


def test_building_a_registry_does_not_import_mlflow() -> None:
    assert (
        _loaded_after("from hokusai import ModelRegistry\nModelRegistry(mode='local')") == "False"
    )


def test_building_a_registry_with_a_key_does_not_import_mlflow() -> None:
    # MLflow learns of the key's auth provider on the registry's first call, not here.
    code = (
        "from hokusai import ModelRegistry\n"
        "ModelRegistry('https://registry.example.com/api/mlflow', "
        f"api_key='hk_live_{'C' * 36}', mode='remote')"
    )
    assert _loaded_after(code) == "False"


def test_another_auth_provider_is_still_refused_when_the_registry_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "kubernetes")
    with pytest.raises(ConfigurationError, match="MLFLOW_TRACKING_AUTH='kubernetes'"):
        ModelRegistry("https://registry.example.com/api/mlflow", api_key="hk_live_" + "C" * 36)
