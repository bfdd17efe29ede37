"""The platform's documented flow, unchanged, against the real server behind the proxy: the
run goes to MLflow's default store in the working directory and registering it copies it.

The flow runs in a process of its own, as a user's script does: MLflow keeps one database
engine per tracking URI string for the whole process, so in this test process the default
relative ``sqlite:///mlflow.db`` could still open an earlier test's file.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from fixtures.real_server import RealServer

FLOW = """
import json, pickle, warnings

import mlflow
import mlflow.sklearn
from sklearn.datasets import load_iris

from hokusai import ModelRegistry
from hokusai.backends.user_runs import TAG_COPIED_FROM_RUN

with open("model.pkl", "rb") as f:
    model = pickle.load(f)

registry = ModelRegistry()
with mlflow.start_run() as run, warnings.catch_warnings():
    warnings.simplefilter("ignore")  # MLflow 3 prefers name= to the positional path
    mlflow.sklearn.log_model(model, "model")
entry = registry.register_tokenized_model(
    model_uri=f"runs:/{run.info.run_id}/model",
    model_name="user-run-iris",
    token_id="USER-RUN",
    metric_name="accuracy",
    baseline_value=0.9,
)
rows = load_iris(return_X_y=True)[0][:4]
loaded = registry.load_model("user-run-iris", entry["version"])
print(json.dumps({
    "run_id": run.info.run_id,
    "tracking_uri": mlflow.get_tracking_uri(),
    "target": entry.target,
    "event": entry["site_status_update"],
    "copied_from": entry.tags[TAG_COPIED_FROM_RUN],
    "same_predictions": list(loaded.predict(rows)) == list(model.predict(rows)),
}))
"""


def test_the_documented_flow_registers_a_run_from_the_default_store(
    live_server: RealServer, sk_model: Any, tmp_path: Path
) -> None:
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(sk_model))
    # The user's shell: none of this process's MLflow or Hokusai settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING", "HOKUSAI_"))}
    # Where the hosted registry is for this test; MLflow's own tracking URI stays unset.
    env.update(
        HOKUSAI_API_KEY=live_server.key_for("alice"),
        HOKUSAI_TRACKING_URI=live_server.tracking_uri,
        HOKUSAI_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    before = len(live_server.requests())

    done = subprocess.run(
        [sys.executable, "-c", FLOW],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # MLflow's default, nothing set: 3.9 reports it relative, later releases resolved.
    assert result["tracking_uri"] in ("sqlite:///mlflow.db", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert (result["target"], result["event"]) == ("remote", "succeeded")
    assert result["copied_from"] == result["run_id"]
    assert result["same_predictions"]
    assert (tmp_path / "mlflow.db").is_file()
    # Every request the proxy saw carried the key: the user's store was read locally.
    assert all(r.key_presented for r in live_server.requests()[before:])
