"""ModelFactory and its models, as the earlier SDK's callers build them; now they save and load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hokusai import InvalidInputError
from hokusai.core.models import (
    ClassificationModel,
    CustomModel,
    HokusaiModel,
    ModelFactory,
    ModelType,
    RegressionModel,
)


def lead_scorer() -> HokusaiModel:
    """The README's model."""
    return ModelFactory.create_model(
        model_type=ModelType.CLASSIFICATION,
        model_id="lead-scorer-v1",
        version="1.0.0",
        config={"n_classes": 2},
    )


def test_the_factory_builds_each_type_with_its_settings() -> None:
    model = lead_scorer()
    assert isinstance(model, ClassificationModel) and model.n_classes == 2
    assert (model.model_id, model.version, model.model_type) == (
        "lead-scorer-v1",
        "1.0.0",
        ModelType.CLASSIFICATION,
    )
    regression = ModelFactory.create_model("regression", "r-1", "0.1", config={"output_dim": 3})
    assert isinstance(regression, RegressionModel) and regression.output_dim == 3
    custom = ModelFactory.create_model(
        ModelType.CUSTOM, "c-1", "2.0", config={"model_class": "Ranker"}, metadata={"a": 1}
    )
    assert isinstance(custom, CustomModel) and custom.model_class == "Ranker"
    assert custom.metadata == {"a": 1}
    assert custom.predict({"x": 1}) == {
        "prediction": "custom",
        "model_class": "Ranker",
        "model_type": "custom",
    }


def test_an_unknown_type_is_a_value_error_that_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"Unknown model type: ranking.*classification") as caught:
        ModelFactory.create_model("ranking", "m", "1")
    assert isinstance(caught.value, InvalidInputError)


class Ranker(HokusaiModel):
    def __init__(self, depth: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.depth = depth

    def predict(self, data: Any) -> Any:
        return sorted(data)[: self.depth]

    def save(self, path: str) -> None:
        (Path(path) / "depth").write_text(str(self.depth))

    def load(self, path: str) -> None:
        self.depth = int((Path(path) / "depth").read_text())


def test_a_registered_class_builds_with_its_whole_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # The factory's table is process-wide, as it always was; undo the registration afterwards.
    monkeypatch.setattr(ModelFactory, "_model_classes", dict(ModelFactory._model_classes))
    ModelFactory.register_model_class("ranking", Ranker)
    model = ModelFactory.create_model("ranking", "rk-1", "1.0", config={"depth": 2})
    assert isinstance(model, Ranker) and model.depth == 2 and model.model_type == "ranking"
    assert model.predict([3, 1, 2]) == [1, 2]
    with pytest.raises(ValueError, match="must inherit from HokusaiModel"):
        ModelFactory.register_model_class("bad", dict)  # type: ignore[arg-type]


def test_from_dict_rebuilds_what_to_dict_wrote() -> None:
    model = ModelFactory.create_model(
        "regression", "r-1", "0.3.0", metadata={"owner": "ds"}, metrics={"rmse": 1.5}
    )
    again = ModelFactory.from_dict(model.to_dict())
    assert isinstance(again, RegressionModel)
    assert again.to_dict()["metrics"] == {"rmse": 1.5} and again.metadata == {"owner": "ds"}
    assert again.get_metrics() == {"rmse": 1.5}
    with pytest.raises(ValueError, match="model_type, model_id, and version are required"):
        ModelFactory.from_dict({"model_type": "regression", "model_id": "r"})


@pytest.mark.parametrize(
    ("model_type", "config"),
    [("classification", {"n_classes": 4}), ("regression", {"output_dim": 2}), ("custom", {})],
)
def test_factory_models_save_their_state_and_load_it_back(
    tmp_path: Path, model_type: str, config: dict[str, Any]
) -> None:
    model = ModelFactory.create_model(
        model_type, f"{model_type}-1", "1.2.0", config=config, metadata={"m": 1}, metrics={"a": 0.5}
    )
    model.save(str(tmp_path))
    assert (tmp_path / "hokusai_model.json").is_file()
    # A loader may build the object without __init__ (as MLflow's wrappers do): load sets it up.
    blank = type(model).__new__(type(model))
    blank.load(str(tmp_path))
    assert blank.to_dict() == model.to_dict()
    assert blank.predict([1, 2]) == model.predict([1, 2])
    assert blank.model_type == model.model_type
