"""A HokusaiModel's own id, version and metrics become its registry entry's fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pytest

from hokusai.core import ModelFactory, ModelRegistry, ModelType
from hokusai.core.models import HokusaiModel
from tests.compat.conftest import ADDRESS


class ThresholdModel(HokusaiModel, mlflow.pyfunc.PythonModel):
    """A HokusaiModel that is also a pyfunc PythonModel, so it registers without hokusai.flavors:
    what these tests check is which fields the registry takes from the model."""

    def __init__(self, threshold: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.threshold = threshold

    # Unannotated: MLflow would read type hints as an input schema.
    def predict(self, context, model_input=None, params=None):  # type: ignore[no-untyped-def]
        rows = model_input if model_input is not None else context
        return [float(x > self.threshold) for x in rows]

    def save(self, path: str) -> None:
        (Path(path) / "threshold.json").write_text(json.dumps(self.threshold))

    def load(self, path: str) -> None:
        self.threshold = json.loads((Path(path) / "threshold.json").read_text())


def threshold_model(model_id: str, version: str, **metrics: float) -> ThresholdModel:
    return ThresholdModel(
        threshold=0.3, model_id=model_id, model_type="churn", version=version, metrics=metrics
    )


def test_the_entry_takes_the_models_id_version_and_metrics(old_env: str) -> None:
    registry = ModelRegistry()
    model = threshold_model("churn-2024-01", "1.4.0", accuracy=0.91, f1=0.88)
    entry = registry.register_baseline(model, "churn")
    assert entry.model_id == "churn-2024-01" and entry.model_version == "1.4.0"
    assert entry.metrics == {"accuracy": 0.91, "f1": 0.88} and entry.version == "1"
    assert entry.tags["version"] == "1.4.0"  # the tag other platform services read
    improved = registry.register_improved_model(
        threshold_model("churn-2024-02", "1.5.0", accuracy=0.93),
        "churn-2024-01",
        {"accuracy_improvement": 0.02},
        ADDRESS,
    )
    assert (improved.model_id, improved.model_version, improved.version) == (
        "churn-2024-02",
        "1.5.0",
        "2",
    )
    assert improved.metrics == {"accuracy": 0.93}
    found = registry.get_model_by_id("churn-2024-01")
    assert (found.model_version, found.metrics) == ("1.4.0", {"accuracy": 0.91, "f1": 0.88})
    lineage = registry.get_model_lineage("churn-2024-02")
    assert [e["model_version"] for e in lineage] == ["1.4.0", "1.5.0"]


def test_a_model_without_an_id_gets_one_for_its_type(old_env: str, sk_model_dir: Path) -> None:
    registry = ModelRegistry()
    entry = registry.register_baseline(sk_model_dir, "churn")
    assert entry.model_id is not None and entry.model_id.startswith("churn-")
    assert entry.model_version is None and entry.metrics == {}


@pytest.mark.parametrize(
    ("model_type", "config"),
    [(ModelType.CLASSIFICATION, {"n_classes": 3}), (ModelType.REGRESSION, {"output_dim": 2})],
)
def test_factory_models_register_as_real_models_that_predict_the_same_after_loading(
    old_env: str, model_type: ModelType, config: dict[str, Any]
) -> None:
    registry = ModelRegistry()
    model = ModelFactory.create_model(
        model_type=model_type,
        model_id=f"{model_type.value}-v1",
        version="1.0.0",
        config=config,
        metrics={"accuracy": 0.8},
    )
    entry = registry.register_baseline(model=model, model_type="lead_scoring")
    assert (entry.model_id, entry.model_version) == (f"{model_type.value}-v1", "1.0.0")
    assert entry.metrics == {"accuracy": 0.8}
    loaded = registry.load_model(entry.name, entry.version)
    assert loaded.predict({"features": [0.5, 0.3]}) == model.predict({"features": [0.5, 0.3]})
