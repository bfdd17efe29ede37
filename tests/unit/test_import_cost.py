"""`import hokusai` and building a registry stay cheap: MLflow loads on first use only."""

from __future__ import annotations

import subprocess
import sys


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
