"""A model the user logged with MLflow's own API (``mlflow.start_run`` + ``log_model``) lands in
MLflow's process default store, not on the registry; registering its ``runs:/`` URI copies it."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
import pytest
import requests
from dependency_injector import providers

from hokusai import InvalidInputError, ModelNotFoundError, ModelRegistry
from hokusai.backends.user_runs import (
    TAG_COPIED_FROM_MODEL,
    TAG_COPIED_FROM_RUN,
    TAG_COPIED_FROM_STORE,
    UserRuns,
    plain_client,
)
from hokusai.connection.request_auth import BearerAuth
from hokusai.container import Container
from tests.conftest import KEYS

KEY = KEYS["alice"]


def _logged_run(model: Any, **metrics: float) -> str:
    """The platform's documented flow: a run in MLflow's current store, the model in it."""
    with mlflow.start_run() as run:
        for name, value in metrics.items():
            mlflow.log_metric(name, value)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLflow 3 prefers name= to the positional path
            mlflow.sklearn.log_model(model, "model")
    return str(run.info.run_id)


@pytest.fixture
def user_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The user's own tracking store: a sqlite file in the test's directory."""
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'user' / 'mlflow.db'}"
    (tmp_path / "user").mkdir()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


def _iris() -> Any:
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)[0][:5]


def test_the_documented_flow_registers_the_run_and_the_model_predicts(
    fake: Any, sk_model: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    # As the platform's docs write it: only the key, and the run in MLflow's own store. That
    # store is named here, absolute, because MLflow keeps one database engine per URI string
    # for the process: the default relative sqlite:///mlflow.db would still open an earlier
    # test's file. The integration test runs the flow with no tracking URI at all.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("HOKUSAI_API_KEY", KEY)
    registry = ModelRegistry()
    assert registry.tracking_uri == fake.tracking_uri
    run_id = _logged_run(sk_model, accuracy=0.93)
    caplog.set_level(logging.INFO, logger="hokusai")

    entry = registry.register_tokenized_model(
        model_uri=f"runs:/{run_id}/model",
        model_name="iris-classifier",
        token_id="IRIS",
        metric_name="accuracy",
        baseline_value=0.93,
    )

    assert (entry.target, entry["version"], entry["site_status_update"]) == (
        "remote",
        "1",
        "succeeded",
    )
    assert entry.tags[TAG_COPIED_FROM_RUN] == run_id
    assert entry.tags[TAG_COPIED_FROM_STORE].endswith(f"{tmp_path.name}/mlflow.db")
    assert entry.metrics == {"accuracy": 0.93}
    assert (tmp_path / "mlflow.db").is_file()
    copied = [r for r in caplog.records if "Copied the model" in r.getMessage()]
    assert len(copied) == 1 and copied[0].levelno == logging.INFO
    loaded = registry.load_model("iris-classifier", entry["version"])
    assert list(loaded.predict(_iris())) == list(sk_model.predict(_iris()))


def test_every_register_method_taking_a_uri_copies_the_run(
    fake: Any, sk_model: Any, user_store: str
) -> None:
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote")
    plain = registry.register_model(f"runs:/{_logged_run(sk_model)}/model", "plain")
    baseline = registry.register_baseline(f"runs:/{_logged_run(sk_model)}/model", "churn")
    with pytest.warns(DeprecationWarning):
        via_api = registry.register_baseline_via_api("churn", _logged_run(sk_model))
    improved = registry.register_improved_model(
        f"runs:/{_logged_run(sk_model, f1=0.7)}/model",
        baseline.model_id,
        {"accuracy_improvement": 0.01},
        "0x" + "ab" * 20,
    )
    for entry in (plain, baseline, via_api, improved):
        assert entry.tags[TAG_COPIED_FROM_STORE] == user_store
        assert fake.model_versions(entry.name)[int(entry.version) - 1].source.startswith(
            "mlflow-artifacts:/"
        )
    assert improved.metrics == {"f1": 0.7} and improved.baseline_id == baseline.model_id


def test_a_logged_model_uri_is_copied_too(fake: Any, sk_model: Any, user_store: str) -> None:
    run_id = _logged_run(sk_model)
    logged_id = mlflow.last_logged_model().model_id
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote")
    entry = registry.register_model(f"models:/{logged_id}", "by-logged-model")
    assert entry.tags[TAG_COPIED_FROM_MODEL] == logged_id
    assert entry.tags[TAG_COPIED_FROM_RUN] == run_id
    assert registry.load_model("by-logged-model", entry.version).predict(_iris()) is not None


def test_a_run_on_the_registry_itself_is_not_looked_for_elsewhere(
    fake: Any, sk_model: Any, user_store: str
) -> None:
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote")
    first = registry.register_model(sk_model, "on-registry")
    entry = registry.register_model(f"runs:/{first.run_id}/model", "again")
    assert TAG_COPIED_FROM_STORE not in entry.tags


def _spying_container(
    calls: list[tuple[str, bool]], registry_uri: str, remote_uri: str
) -> Container:
    """A container whose user-store client records, per call, whether a request made in that
    moment to the registry itself would have carried the key."""

    def would_send_key() -> bool:
        request = requests.Request("GET", f"{registry_uri}/api/2.0/mlflow/runs/get").prepare()
        return "Authorization" in BearerAuth()(request).headers

    class Spy:
        def __init__(self, uri: str) -> None:
            self._client = plain_client(uri)

        def __getattr__(self, name: str) -> Callable[..., Any]:
            real = getattr(self._client, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                calls.append((name, would_send_key()))
                assert KEY not in repr((args, kwargs))
                return real(*args, **kwargs)

            return call

    def factory(uri: str) -> Spy:
        calls.append((f"client:{uri}", would_send_key()))
        return Spy(uri)

    container = Container()
    container.user_runs.override(
        providers.Singleton(UserRuns, [remote_uri], client_factory=factory)
    )
    return container


def test_the_key_never_reaches_the_user_stores_client(
    fake: Any, sk_model: Any, user_store: str
) -> None:
    calls: list[tuple[str, bool]] = []
    container = _spying_container(calls, fake.tracking_uri, fake.tracking_uri)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote", container=container)
    entry = registry.register_model(f"runs:/{_logged_run(sk_model)}/model", "spied")
    assert entry.tags[TAG_COPIED_FROM_STORE] == user_store
    assert calls[0] == (f"client:{user_store}", False)
    assert ("get_run", False) in calls
    assert not any(sent for _, sent in calls)


def test_a_uri_in_neither_store_names_both_places_and_what_to_do(
    fake: Any, user_store: str
) -> None:
    with mlflow.start_run():
        pass  # the user's store holds runs, only not this one
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote")
    with pytest.raises(ModelNotFoundError) as raised:
        registry.register_tokenized_model(
            "runs:/abc123def456/model", "m", "MSG-AI", "reply_rate", 0.1
        )
    text = str(raised.value)
    assert "names no model in the registry" in text
    assert fake.tracking_uri in text and user_store in text
    assert "no run 'abc123def456'" in text and "mlflow.get_tracking_uri()" in text
    assert fake.model_versions("m") == []


def test_a_run_without_a_model_at_the_path_is_not_found(fake: Any, user_store: str) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 1.0)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote")
    with pytest.raises(ModelNotFoundError, match=r"could not be read|holds no MLflow model"):
        registry.register_model(f"runs:/{run.info.run_id}/model", "empty")


def test_no_user_store_is_created_when_there_is_none(
    fake: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote")
    with pytest.raises(ModelNotFoundError, match="nothing is stored there"):
        registry.register_model("runs:/abc123def456/model", "m")
    assert list(cwd.iterdir()) == []


def test_the_registry_as_current_tracking_uri_changes_nothing(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, bool]] = []
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fake.tracking_uri)
    container = _spying_container(calls, fake.tracking_uri, fake.tracking_uri)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote", container=container)
    with pytest.raises(ModelNotFoundError) as raised:
        registry.register_model("runs:/abc123def456/model", "m")
    assert "tracking store" not in str(raised.value)
    assert calls == []


def test_bad_input_fails_before_any_request_or_store_read(
    fake: Any, sk_model: Any, user_store: str
) -> None:
    calls: list[tuple[str, bool]] = []
    run_uri = f"runs:/{_logged_run(sk_model)}/model"
    container = _spying_container(calls, fake.tracking_uri, fake.tracking_uri)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote", container=container)
    with pytest.raises(InvalidInputError):
        registry.register_model("runs:/", "m")
    with pytest.raises(InvalidInputError):
        registry.register_tokenized_model(run_uri, "m", "bad token", "reply_rate", 0.1)
    assert fake.requests == [] and calls == []


def test_in_local_mode_the_run_is_copied_into_the_local_store(
    sk_model: Any, user_store: str
) -> None:
    registry = ModelRegistry(mode="local")
    entry = registry.register_model(f"runs:/{_logged_run(sk_model)}/model", "local-copy")
    assert entry.target == "local" and entry.tags[TAG_COPIED_FROM_STORE] == user_store
    assert registry.load_model("local-copy", entry.version).predict(_iris()) is not None


def test_during_an_outage_the_copy_waits_locally_and_sync_pushes_it_with_its_origin(
    fake: Any, sk_model: Any, user_store: str
) -> None:
    run_id = _logged_run(sk_model, accuracy=0.8)
    fake.go_down("refused")
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="auto")
    entry = registry.register_model(f"runs:/{run_id}/model", "offline")
    assert entry.pending_sync and entry.tags[TAG_COPIED_FROM_RUN] == run_id
    fake.come_back()
    assert registry.sync().counts["pushed"] == 1
    [pushed] = fake.model_versions("offline")
    assert pushed.tags[TAG_COPIED_FROM_RUN] == run_id
    assert json.loads(pushed.tags["metrics"]) == {"accuracy": 0.8}
