"""HokusaiModel subclasses register as real models: saved by save(), loaded back by load()."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hokusai import ModelRegistry
from hokusai.core.models import HokusaiModel, ModelType

FEATURES = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])

# The model as a user writes it, in a module of its own; also saved to files for the
# fresh-process tests, where that module is not importable.
MODEL_SOURCE = textwrap.dedent(
    """
    from pathlib import Path

    import numpy as np

    from hokusai.core.models import HokusaiModel


    class LinearScorer(HokusaiModel):
        def __init__(self, model_id, model_type="regression", version="1", weights=None,
                     **kwargs):
            super().__init__(model_id, model_type, version, **kwargs)
            self.weights = np.asarray(weights if weights is not None else [])

        def predict(self, data):
            return np.asarray(data, dtype=float) @ self.weights

        def save(self, path):
            np.save(Path(path) / "weights.npy", self.weights)

        def load(self, path):
            self.weights = np.load(Path(path) / "weights.npy")
    """
)


class LinearScorer(HokusaiModel):
    """Weights in a .npy file of its own; a constructor the wrapper can call with base fields."""

    def __init__(
        self, model_id: str, model_type: str = "regression", version: str = "1", **kwargs: Any
    ) -> None:
        super().__init__(model_id, model_type, version, **kwargs)
        self.weights = np.asarray(kwargs.get("weights", []), dtype=float)

    def predict(self, data: Any) -> Any:
        return np.asarray(data, dtype=float) @ self.weights

    def save(self, path: str) -> None:
        np.save(Path(path) / "weights.npy", self.weights)

    def load(self, path: str) -> None:
        self.weights = np.load(Path(path) / "weights.npy")


class NeedsAFile(HokusaiModel):
    """A constructor the wrapper cannot call (a required argument it does not know)."""

    def __init__(self, config_file: str) -> None:
        super().__init__("needs-a-file", ModelType.CUSTOM, "7", metrics={"rmse": 0.1})
        self.offset = float(Path(config_file).read_text())

    def predict(self, data: Any) -> Any:
        return np.asarray(data, dtype=float).sum(axis=1) + self.offset

    def save(self, path: str) -> None:
        (Path(path) / "offset.txt").write_text(repr(self.offset))

    def load(self, path: str) -> None:
        self.offset = float((Path(path) / "offset.txt").read_text())


@pytest.fixture
def registry(registry_in_each_mode: ModelRegistry) -> ModelRegistry:
    return registry_in_each_mode


def test_a_hokusai_model_predicts_the_same_after_load_model(registry: ModelRegistry) -> None:
    model = LinearScorer("scorer-1", weights=[0.5, -2.0, 1.0])
    entry = registry.register_model(model, "scorer")
    loaded = registry.load_model("scorer", entry.version or "")
    np.testing.assert_allclose(loaded.predict(FEATURES), model.predict(FEATURES))
    restored = loaded.unwrap_python_model().model
    assert isinstance(restored, LinearScorer) and restored is not model
    assert (restored.model_id, restored.version) == ("scorer-1", "1")


def test_a_constructor_with_arguments_of_its_own_is_bypassed_and_load_sets_the_model_up(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    config = tmp_path / "offset.cfg"
    config.write_text("2.5")
    model = NeedsAFile(str(config))
    config.unlink()  # gone where the model is loaded: only the saved files count
    entry = registry.register_model(model, "needs-a-file")
    loaded = registry.load_model("needs-a-file", entry.version or "")
    np.testing.assert_allclose(loaded.predict(FEATURES), model.predict(FEATURES))
    restored = loaded.unwrap_python_model().model
    assert (restored.model_id, restored.version, restored.get_metrics()) == (
        "needs-a-file",
        "7",
        {"rmse": 0.1},
    )


def _python(code: str, cwd: Path) -> str:
    """Run ``code`` in a fresh interpreter that cannot import the test's modules."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env={**_clean_env(), "PYTHONPATH": ""},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _register_and_download(registry_code: str, workdir: Path, model_dir: Path) -> None:
    """Register in the local store from a script, download the version to ``model_dir``."""
    _python(
        registry_code
        + textwrap.dedent(
            f"""
            from hokusai import ModelRegistry
            registry = ModelRegistry(mode="local")
            entry = registry.register_model(
                LinearScorer("fresh", weights=[1.0, 0.0, -1.0]), "fresh-process"
            )
            print(registry.download_model("fresh-process", entry.version, {str(model_dir)!r}))
            """
        ),
        workdir,
    )


def _predict_in_fresh_process(model_dir: Path, cwd: Path) -> list[float]:
    out = _python(
        f"""
        import mlflow.pyfunc
        from pathlib import Path
        (path,) = [p.parent for p in Path({str(model_dir)!r}).rglob("MLmodel")]
        print(mlflow.pyfunc.load_model(str(path)).predict({FEATURES.tolist()!r}).tolist())
        """,
        cwd,
    )
    return [float(x) for x in out.strip("[]").split(",")]


EXPECTED = (FEATURES @ np.array([1.0, 0.0, -1.0])).tolist()


def test_a_class_from_a_module_file_beside_the_script_loads_in_a_fresh_process(
    tmp_path: Path,
) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "scorers.py").write_text(MODEL_SOURCE)
    _register_and_download("from scorers import LinearScorer\n", project, tmp_path / "dl")
    # scorers.py is not importable from here: the copy saved with the model is what loads.
    assert _predict_in_fresh_process(tmp_path / "dl", elsewhere) == pytest.approx(EXPECTED)


def test_a_class_defined_in_the_training_script_loads_in_a_fresh_process(tmp_path: Path) -> None:
    _register_and_download(MODEL_SOURCE, tmp_path, tmp_path / "dl")
    assert _predict_in_fresh_process(tmp_path / "dl", tmp_path) == pytest.approx(EXPECTED)
