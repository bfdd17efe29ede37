"""What the benchmark's cold rows found: constructing a registry must not import MLflow.

MLflow takes seconds to import; a registry that is made but not used yet (a CLI command that
only reads the configuration, a worker that registers later) must not pay for it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hokusai import ModelRegistry
from hokusai.errors import ConfigurationError

KEY = "hk_live_" + "C" * 36

CONSTRUCT = f"""
import sys
from hokusai import ModelRegistry
registry = ModelRegistry("https://registry.example.com/api/mlflow", api_key={KEY!r}, mode="remote")
print("mlflow" in sys.modules)
"""


def test_a_registry_with_a_key_is_made_without_importing_mlflow(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_AUTH"}
    env["HOKUSAI_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", CONSTRUCT], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False"]


def test_another_auth_provider_is_still_refused_when_the_registry_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "kubernetes")
    with pytest.raises(ConfigurationError, match="MLFLOW_TRACKING_AUTH='kubernetes'"):
        ModelRegistry("https://registry.example.com/api/mlflow", api_key=KEY, mode="remote")
