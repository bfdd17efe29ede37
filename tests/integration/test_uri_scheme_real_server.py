"""``hokusai://`` against the real ``mlflow server`` behind the authenticating proxy: the
platform's documented flow with the user's own ``mlflow.*`` calls, then a tokenized version."""

from __future__ import annotations

import os
import uuid

import mlflow
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from fixtures.real_server import RealServer
from hokusai import ModelRegistry

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("mlflow_tracking_uri")
def test_the_documented_flow_on_hokusai_uri_lands_and_loads_back(
    live_server: RealServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", live_server.tracking_uri)
    monkeypatch.setenv("HOKUSAI_API_KEY", live_server.key_for("alice"))
    name = f"own-runs-{uuid.uuid4().hex[:8]}"
    features = np.array([[1.0], [2.0], [3.0]])
    model = LinearRegression().fit(features, np.array([1.0, 2.0, 3.0]))
    seen_before = len(live_server.requests())
    environ_before = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    # A profile of its own: MLflow keeps one store per tracking URI for the process.
    mlflow.set_tracking_uri(f"hokusai://it-{uuid.uuid4().hex[:8]}")
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", 0.9)
        logged = mlflow.sklearn.log_model(model, name="model")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
    assert version.version in ("1", 1)
    assert {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"} == environ_before

    with ModelRegistry(
        live_server.tracking_uri, api_key=live_server.key_for("alice"), mode="remote"
    ) as registry:
        entry = registry.register_tokenized_model(
            # What log_model returned (models:/<model id>). A runs:/ URI of an MLflow 3 logged
            # model registers the run's own (empty) artifact directory instead.
            model_uri=logged.model_uri,
            model_name=name,
            token_id="OWNRUNS",
            metric_name="accuracy",
            baseline_value=0.9,
            notify_site=False,
        )
    loaded = mlflow.pyfunc.load_model(f"models:/{name}/{entry['version']}")
    assert loaded.predict(features).round(6).tolist() == [1.0, 2.0, 3.0]
    ours = live_server.requests()[seen_before:]
    assert any("mlflow-artifacts" in r.path and r.method == "PUT" for r in ours)
    assert all(r.user == "alice" for r in ours)
