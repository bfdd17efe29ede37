"""``hokusai://``: the user's own ``mlflow.*`` calls on the hosted registry, with the Hokusai key.

MLflow builds a store once per tracking URI and keeps it for the process, so each test names
its own profile (``hokusai://<profile>``) and gets a store built from its own configuration.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LinearRegression

import hokusai
from hokusai import ModelRegistry, uri_scheme
from hokusai.config.credential_store import save_key
from hokusai.config.credentials import ApiKey
from hokusai.errors import AuthenticationError, ConfigurationError
from hokusai.testing.fake_server import FakeRegistryServer
from hokusai.testing.proxy_rules import load_keys
from tests.conftest import FIXTURES, KEYS

_profiles = itertools.count()
FEATURES = np.array([[1.0], [2.0], [3.0]])


pytestmark = pytest.mark.usefixtures("mlflow_tracking_uri")


@pytest.fixture
def hokusai_uri() -> str:
    """``mlflow.set_tracking_uri("hokusai://<a profile of this test>")``."""
    uri = f"{uri_scheme.SCHEME}://t{os.getpid()}-{next(_profiles)}"
    mlflow.set_tracking_uri(uri)
    return uri


@pytest.fixture
def alice_env(fake: FakeRegistryServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])


def _model() -> LinearRegression:
    return LinearRegression().fit(FEATURES, np.array([1.0, 2.0, 3.0]))


def _environ_without_mlflow_uri() -> dict[str, str]:
    # mlflow.set_tracking_uri itself exports MLFLOW_TRACKING_URI (to child processes).
    return {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}


@pytest.mark.usefixtures("alice_env")
def test_the_documented_flow_lands_on_the_registry_and_loads_back(
    fake: FakeRegistryServer, hokusai_uri: str
) -> None:
    before = _environ_without_mlflow_uri()
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", 0.9)
        logged = mlflow.sklearn.log_model(_model(), name="model")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "churn")
    assert version.version in ("1", 1)
    assert mlflow.get_run(run.info.run_id).data.metrics == {"accuracy": 0.9}
    assert _environ_without_mlflow_uri() == before
    # Every request carried alice's key: artifact uploads and downloads as well.
    assert fake.requests and all(r.user == "alice" for r in fake.requests)

    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    entry = registry.register_tokenized_model(
        # What log_model returned (models:/<model id>); the runs:/ form works too (below).
        model_uri=logged.model_uri,
        model_name="churn",
        token_id="CHURN",
        metric_name="accuracy",
        baseline_value=0.9,
        notify_site=False,
    )
    registry.close()

    assert [v.version for v in fake.model_versions("churn")] == [1, 2]
    assert entry["token_id"] == "CHURN"
    loaded = mlflow.sklearn.load_model(f"models:/churn/{entry['version']}")
    assert loaded.predict(FEATURES).round(6).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.usefixtures("alice_env")
def test_run_artifacts_and_a_version_from_them_round_trip(
    fake: FakeRegistryServer, hokusai_uri: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("trained on march data")
    model_dir = tmp_path / "model"
    mlflow.sklearn.save_model(_model(), str(model_dir))
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(notes))
        mlflow.log_artifacts(str(model_dir), artifact_path="model")
    client = MlflowClient()
    client.create_registered_model("churn")
    source = f"{run.info.artifact_uri}/model"
    assert source.startswith(f"{hokusai_uri}/")

    version = client.create_model_version("churn", source, run_id=run.info.run_id)

    # The registry stores the server's own location, which every other client understands.
    stored = fake.model_versions("churn")[0].source
    assert stored.startswith("mlflow-artifacts:/") and stored.endswith("/artifacts/model")
    assert version.source == source
    assert "notes.txt" in [f.path for f in client.list_artifacts(run.info.run_id)]
    fetched = Path(mlflow.artifacts.download_artifacts(f"runs:/{run.info.run_id}/notes.txt"))
    assert fetched.read_text() == "trained on march data"
    loaded = mlflow.pyfunc.load_model(f"models:/churn/{version.version}")
    assert loaded.predict(FEATURES).round(6).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.usefixtures("alice_env")
def test_the_key_reaches_only_the_registry_origin(
    fake: FakeRegistryServer, hokusai_uri: str
) -> None:
    elsewhere = FakeRegistryServer(
        "https://mlflow.example.com", keys=load_keys(FIXTURES / "keys.json")
    )
    with elsewhere, mlflow.start_run():
        mlflow.log_param("lr", 0.1)
        # The user's other MLflow server, in the same process: MLflow's own auth, no key.
        with pytest.raises(MlflowException, match="API key required"):
            MlflowClient(elsewhere.tracking_uri).search_experiments()
    assert elsewhere.requests and not any(r.key_presented for r in elsewhere.requests)
    assert all(r.user == "alice" for r in fake.requests)


def test_a_missing_key_is_said_before_any_request(
    fake: FakeRegistryServer, hokusai_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    with pytest.raises(AuthenticationError) as caught:
        mlflow.search_experiments()
    assert "No API key" in caught.value.message
    assert "hokusai login" in (caught.value.hint or "")
    assert fake.requests == []
    # Not kept by MLflow: once the key is there, the same URI works.
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
    assert mlflow.search_experiments() is not None


def test_the_key_and_endpoint_set_by_hokusai_configure_are_used(
    fake: FakeRegistryServer, hokusai_uri: str
) -> None:
    hokusai.configure(KEYS["bob"], api_endpoint=fake.tracking_uri.removesuffix("/mlflow"))
    MlflowClient().search_experiments()
    assert [r.user for r in fake.requests] == ["bob"]


def test_the_profile_in_the_uri_picks_the_key_hokusai_login_stored(
    fake: FakeRegistryServer, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    profile = f"w{os.getpid()}-{next(_profiles)}"
    save_key(isolated_env, ApiKey(KEYS["alice"]), use_keyring=False, profile=profile)
    MlflowClient(f"hokusai://{profile}").search_experiments()
    assert [r.user for r in fake.requests] == ["alice"]


@pytest.mark.parametrize(
    "uri",
    [
        "hokusai://work/experiments",
        "hokusai://me:hk_live_x@work/experiments",
        "hokusai://work?api_key=hk_live_x",
    ],
)
def test_a_uri_that_is_more_than_a_profile_is_refused(uri: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        MlflowClient(uri).search_experiments()
    assert "hk_live_x" not in str(caught.value)


@pytest.mark.parametrize(
    ("server", "client"),
    [
        ("mlflow-artifacts:/1/abc/artifacts/model", "hokusai://work/1/abc/artifacts/model"),
        ("s3://bucket/1/abc/artifacts", "s3://bucket/1/abc/artifacts"),
        ("models:/m-123", "models:/m-123"),
    ],
)
def test_artifact_locations_translate_both_ways(server: str, client: str) -> None:
    locations = uri_scheme.ArtifactLocations("work")
    answer: dict[str, Any] = {"run": {"info": {"artifact_uri": server, "run_name": server}}}
    shown = locations.incoming(answer)
    assert shown["run"]["info"] == {"artifact_uri": client, "run_name": server}
    assert locations.outgoing({"source": client}) == {"source": server}
    # MLflow drops an empty authority when it joins paths.
    assert (
        uri_scheme.ArtifactLocations(None).to_server("hokusai:/1/abc") == "mlflow-artifacts:/1/abc"
    )


@pytest.mark.usefixtures("alice_env")
def test_a_runs_uri_of_a_model_logged_on_the_registry_registers_that_model(
    fake: FakeRegistryServer, hokusai_uri: str
) -> None:
    # The platform's documented form: runs:/<run>/model, for a model MLflow 3 logged as a
    # logged model of that run (its files are not in the run's own artifact directory).
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(_model(), name="model")
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    entry = registry.register_tokenized_model(
        model_uri=f"runs:/{run.info.run_id}/model",
        model_name="churn",
        token_id="CHURN",
        metric_name="accuracy",
        baseline_value=0.9,
        notify_site=False,
    )
    loaded = registry.load_model("churn", entry["version"])
    registry.close()

    assert entry["mlflow_run_id"] == run.info.run_id
    assert loaded.predict(FEATURES).round(6).tolist() == [1.0, 2.0, 3.0]
