"""A loaded model keeps its files for as long as it lives.

A pyfunc model may read its artifacts when it predicts, not only when it loads (a lookup table
opened per call, a large file read in pieces). ``load_model`` downloads into a directory of its
own; the model's artifact paths point there, so the directory lives as long as the model and
goes with it.
"""

from __future__ import annotations

import gc
import warnings
from pathlib import Path
from typing import Any

from mlflow.pyfunc.model import PythonModel

from hokusai import ModelRegistry


class ReadsAtPredict(PythonModel):  # type: ignore[misc]
    def load_context(self, context):  # type: ignore[no-untyped-def]
        self.table = Path(context.artifacts["table"])

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return [self.table.read_text() for _ in model_input]


def saved_model(tmp_path: Path) -> Path:
    import mlflow.pyfunc

    table = tmp_path / "table.txt"
    table.write_text("churn risk: high")
    model = tmp_path / "model"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "a Python object is pickled": this one, on purpose
        mlflow.pyfunc.save_model(
            str(model),
            python_model=ReadsAtPredict(),
            artifacts={"table": str(table)},
            pip_requirements=[],
        )
    return model


def test_a_loaded_model_reads_its_artifacts_when_it_predicts(tmp_path: Path) -> None:
    registry = ModelRegistry(mode="local")
    entry = registry.register_model(saved_model(tmp_path), "lookup-table")

    loaded: Any = registry.load_model("lookup-table", entry.version)

    assert list(loaded.predict(["a", "b"])) == ["churn risk: high"] * 2


def test_the_downloaded_files_go_when_the_loaded_model_goes(tmp_path: Path) -> None:
    registry = ModelRegistry(mode="local")
    entry = registry.register_model(saved_model(tmp_path), "lookup-table")
    loaded: Any = registry.load_model("lookup-table", entry.version)
    table = Path(loaded.unwrap_python_model().table)
    assert table.exists()

    del loaded
    gc.collect()

    assert not table.exists()
