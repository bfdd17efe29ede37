"""``hokusai.tracking`` on this SDK's registry: runs land on the registry the caller chose,
through its own client, with no process-wide MLflow state or environment written."""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np
import pytest

from hokusai import ModelRegistry
from hokusai.errors import AuthenticationError, ConfigurationError, InvalidInputError
from hokusai.testing.faults import Fault
from hokusai.tracking import ExperimentManager, PerformanceTracker
from tests.compat.conftest import ADDRESS
from tests.conftest import KEYS


@pytest.fixture
def iris() -> dict[str, Any]:
    from sklearn.datasets import load_iris

    features, labels = load_iris(return_X_y=True)
    return {"features": features, "labels": labels, "dataset_name": "iris"}


@pytest.mark.parametrize("old_env", ["local", "remote"], indirect=True)
def test_an_improvement_experiment_is_compared_and_listed_on_the_registry(
    old_env: str, sk_model: Any, iris: dict[str, Any]
) -> None:
    import mlflow

    global_uri = mlflow.get_tracking_uri()
    environ = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_AUTH"}
    registry = ModelRegistry()
    baseline = registry.register_baseline(sk_model, model_type="iris")
    weaker = copy.deepcopy(sk_model)
    weaker.coef_ = np.zeros_like(weaker.coef_)  # predicts one class: worse on every metric
    candidate = registry.register_model(weaker, "iris-candidate")

    manager = ExperimentManager(registry)  # the earlier positional form
    run_id = manager.create_improvement_experiment(
        baseline.model_id, {"features": [1, 2, 3], "metadata": {"dataset_hash": "abc"}}
    )
    run = registry.client.get_run(run_id)
    assert run.data.params["baseline_model_id"] == baseline.model_id
    assert run.data.params["contributed_data_hash"] == "abc"
    assert run.info.status == "FINISHED"

    result = manager.compare_models(baseline.model_id, f"iris-candidate/{candidate.version}", iris)
    assert result["baseline_metrics"]["accuracy"] > 0.9
    assert result["improvements"]["accuracy"] < -0.5
    assert result["recommendation"] == "REJECT" and result["test_dataset"] == "iris"
    logged = registry.client.get_run(result["run_id"]).data
    assert logged.metrics["accuracy_improvement"] == pytest.approx(
        result["improvements"]["accuracy"]
    )
    assert logged.tags["recommendation"] == "REJECT"

    history = manager.get_experiment_history(baseline_model_id=baseline.model_id)
    assert [h["run_id"] for h in history] == [result["run_id"], run_id]
    assert history[0]["recommendation"] == "REJECT"
    assert manager.get_experiment_history(baseline_model_id="someone-else") == []

    with manager.start_experiment("scratch") as scratch:
        scratch.log_metric("loss", 0.25)
    assert registry.client.get_run(scratch.run_id).data.metrics == {"loss": 0.25}

    # Nothing global: MLflow's own tracking URI and the environment are as they were (but for
    # the SDK's non-secret switch MLFLOW_TRACKING_AUTH=hokusai, see hokusai.connection.request_auth).
    assert mlflow.get_tracking_uri() == global_uri
    assert {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_AUTH"} == environ


def test_a_rejected_key_is_a_typed_error(fake: Any) -> None:
    fake.inject(Fault.invalid_key(), path="experiments/get-by-name", times=None)
    manager = ExperimentManager("exp", registry=ModelRegistry(fake.tracking_uri, KEYS["alice"]))
    with pytest.raises(AuthenticationError) as info:
        manager.create_improvement_experiment("m", {})
    assert KEYS["alice"] not in str(info.value)


def test_mock_mode_refuses_instead_of_making_up_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_MOCK_MODE", "true")
    manager = ExperimentManager("exp")
    with pytest.raises(ConfigurationError, match="mode local"):
        manager.compare_models("a", "b", {"features": [], "labels": []})


def test_the_first_argument_is_a_name_or_a_registry() -> None:
    with pytest.raises(InvalidInputError, match="experiment name or a ModelRegistry"):
        ExperimentManager(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not the registry's"):
        ExperimentManager("exp", "https://elsewhere.example/mlflow", ModelRegistry(mode="local"))
    with pytest.raises(InvalidInputError, match="quote"):
        ExperimentManager("exp", registry=ModelRegistry(mode="local")).get_experiment_history("a'b")


@pytest.mark.parametrize("old_env", ["local", "remote"], indirect=True)
def test_an_improvement_is_tracked_with_an_unsigned_attestation_and_logged(
    old_env: str,
) -> None:
    registry = ModelRegistry()
    tracker = PerformanceTracker(registry)
    delta, attestation = tracker.track_improvement(
        {"accuracy": 0.85, "f1_score": 0.82},
        {"accuracy": 0.88, "f1_score": 0.85},
        {"contributor_id": "c1", "dataset_hash": "h", "data_size": 1000},
    )
    assert delta == {"accuracy": pytest.approx(0.03), "f1_score": pytest.approx(0.03)}
    assert attestation["deltaone_value"] == pytest.approx(5.7)
    assert attestation["attestation_hash"].startswith("0x") and attestation["signature"] is None
    experiment = registry.client.get_experiment_by_name("hokusai_model_improvements")
    (run,) = registry.client.search_runs([experiment.experiment_id])
    assert run.data.metrics["accuracy_improvement"] == pytest.approx(0.03)
    assert run.data.params["contributor_id"] == "c1"

    with pytest.raises(ValueError, match="must be numeric"):
        tracker.track_improvement({"accuracy": "high"}, {"accuracy": 0.9}, {})  # type: ignore[dict-item]


def test_contributor_impact_is_read_from_the_registry(old_env: str, sk_model_dir: Any) -> None:
    registry = ModelRegistry()
    baseline = registry.register_baseline(sk_model_dir, model_type="churn")
    registry.register_improved_model(sk_model_dir, baseline.model_id, {"accuracy": 0.02}, ADDRESS)
    registry.register_improved_model(sk_model_dir, baseline.model_id, {"accuracy": -0.01}, ADDRESS)
    impact = PerformanceTracker(registry).get_contributor_impact(ADDRESS)
    assert impact["total_models_improved"] == 2
    assert impact["total_improvement_score"] == pytest.approx(0.03)
    assert [c["delta_metrics"] for c in impact["contributions"]] == [
        {"accuracy": 0.02},
        {"accuracy": -0.01},
    ]
    assert impact["first_contribution"] <= impact["last_contribution"]
    nobody = PerformanceTracker(registry).get_contributor_impact("0x123")
    assert nobody["total_models_improved"] == 0 and nobody["contributions"] == []


def test_contribution_impact_is_logged_as_a_run_of_a_default_registry() -> None:
    tracker = PerformanceTracker()  # the earlier no-argument form: ModelRegistry() on first use
    tracker.log_contribution_impact(ADDRESS, "model-1", {"accuracy": 0.04, "f1_score": 0.02})
    client = tracker.registry.client
    experiment = client.get_experiment_by_name("hokusai_model_improvements")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.metrics["contributor_impact_score"] == pytest.approx(0.03)
    assert run.data.params["contributor_address"] == ADDRESS
