"""The platform's documented flow, unchanged, against the real server behind the proxy: the
run goes to MLflow's default store in the working directory and registering it copies it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
import pytest

from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from hokusai.backends.user_runs import TAG_COPIED_FROM_RUN


def test_the_documented_flow_registers_a_run_from_the_default_store(
    live_server: RealServer, sk_model: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOKUSAI_API_KEY", live_server.key_for("alice"))
    # Where the hosted registry is for this test; MLflow's own tracking URI stays unset.
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", live_server.tracking_uri)
    before = len(live_server.requests())

    registry = ModelRegistry()
    with mlflow.start_run() as run, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow 3 prefers name= to the positional path
        mlflow.sklearn.log_model(sk_model, "model")
    entry = registry.register_tokenized_model(
        model_uri=f"runs:/{run.info.run_id}/model",
        model_name="user-run-iris",
        token_id="USER-RUN",
        metric_name="accuracy",
        baseline_value=0.9,
    )

    assert entry.target == "remote" and entry["site_status_update"] == "succeeded"
    assert entry.tags[TAG_COPIED_FROM_RUN] == run.info.run_id
    assert (tmp_path / "mlflow.db").is_file()
    from sklearn.datasets import load_iris

    rows = load_iris(return_X_y=True)[0][:4]
    loaded = registry.load_model("user-run-iris", entry["version"])
    assert list(loaded.predict(rows)) == list(sk_model.predict(rows))
    # Every request the proxy saw carried the key: the user's store was read locally.
    assert all(r.key_presented for r in live_server.requests()[before:])
