"""Model objects that need no extra framework, on the real server: HokusaiModel, PythonModel."""

from __future__ import annotations

import uuid
from typing import Any

import mlflow.pyfunc
import numpy as np
import pytest

from fixtures.real_server import RealServer
from hokusai import ModelNotFoundError, ModelRegistry
from tests.test_hokusai_model_flavor import FEATURES, LinearScorer

pytestmark = pytest.mark.integration


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context: Any, model_input: list[float], params: Any = None) -> list[float]:
        return [2 * x for x in model_input]


@pytest.fixture
def registry(live_server: RealServer) -> ModelRegistry:
    return ModelRegistry(
        live_server.tracking_uri, api_key=live_server.key_for("alice"), mode="remote"
    )


def test_a_hokusai_model_round_trips_through_the_real_server(registry: ModelRegistry) -> None:
    model = LinearScorer("real-scorer", weights=[1.0, -1.0, 0.5])
    name = f"scorer-{uuid.uuid4().hex[:8]}"
    entry = registry.register_model(model, name, metrics={"rmse": 0.5})
    loaded = registry.load_model(name, entry.version or "")
    np.testing.assert_allclose(loaded.predict(FEATURES), model.predict(FEATURES))
    assert entry.metrics == {"rmse": 0.5}


def test_a_python_model_round_trips_and_a_uri_copy_points_at_it(registry: ModelRegistry) -> None:
    name = f"doubler-{uuid.uuid4().hex[:8]}"
    entry = registry.register_model(Doubler(), name, alias="champion")
    copy = registry.register_model(f"models:/{name}@champion", f"{name}-copy")
    assert copy.source == entry.source and copy.run_id == entry.run_id
    assert registry.load_model(f"{name}-copy", copy.version or "").predict([1.0, 2.5]) == [2.0, 5.0]
    with pytest.raises(ModelNotFoundError):
        registry.register_model(f"models:/{name}/9", f"{name}-missing")
    assert registry.list_models_by_type(f"{name}-missing") == []
