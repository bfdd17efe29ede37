"""register_model's inputs on every backend: URIs that must exist, metrics, signatures, failures."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hokusai import InvalidInputError, ModelNotFoundError, ModelRegistry
from hokusai.core.models import HokusaiModel
from hokusai.errors import LocalStoreError


@pytest.fixture
def registry(registry_in_each_mode: ModelRegistry) -> ModelRegistry:
    return registry_in_each_mode


def nothing_written(registry: ModelRegistry, fake: Any) -> bool:
    """No write reached the registry: no POST to the fake, no registered model in the store."""
    if registry.backend.target == "remote":
        return not [r for r in fake.requests if r.method != "GET"]
    if registry.backend.target == "local":
        from mlflow import MlflowClient

        client = MlflowClient(registry.config.local_uri.value)
        return not client.search_registered_models() and not client.search_runs(
            [e.experiment_id for e in client.search_experiments()]
        )
    return not registry.backend.search_versions()


@pytest.mark.parametrize(
    "uri",
    [
        "runs:/0123456789abcdef0123456789abcdef/model",
        "models:/ghost/1",
        "models:/ghost@production",
        "models:/ghost/latest",
        "models:/m-0123456789abcdef0123456789abcdef",
    ],
)
def test_a_uri_naming_nothing_is_not_found_before_anything_is_written(
    registry: ModelRegistry, fake: Any, uri: str
) -> None:
    with pytest.raises(ModelNotFoundError):
        registry.register_model(uri, "copy")
    assert nothing_written(registry, fake)


@pytest.mark.parametrize("uri", ["runs:/", "models:/ghost", "models:/ghost/Staging"])
def test_a_uri_that_cannot_name_a_model_is_refused_before_any_request(
    registry: ModelRegistry, fake: Any, uri: str
) -> None:
    with pytest.raises(InvalidInputError):
        registry.register_model(uri, "copy")
    assert not fake.requests
    assert nothing_written(registry, fake)


def test_a_version_registered_by_uri_loads_as_the_original(
    registry: ModelRegistry, sk_model: Any
) -> None:
    first = registry.register_model(sk_model, "base", alias="champion")
    features = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    for uri in ("models:/base/1", "models:/base@champion", "models:/base/latest"):
        copy = registry.register_model(uri, "copy")
        loaded = registry.load_model("copy", copy.version or "")
        assert list(loaded.predict(features)) == list(sk_model.predict(features))
    by_run = registry.register_model(f"runs:/{first.run_id}/model", "by-run")
    assert by_run.version == "1" and by_run.run_id == first.run_id


def test_metrics_are_kept_on_the_version_and_logged_on_the_run(
    registry: ModelRegistry, fake: Any, sk_model: Any
) -> None:
    entry = registry.register_model(
        sk_model, "scored", metrics={"accuracy": 0.93, "auc": 1}, tags={"metrics": '{"f1": 0.5}'}
    )
    assert entry.metrics == {"f1": 0.5, "accuracy": 0.93, "auc": 1.0}
    assert registry.get_model_version("scored", 1).metrics == entry.metrics
    if registry.backend.target != "mock":  # the mock keeps versions, not runs
        assert run_metrics(registry, fake, entry.run_id or "") == entry.metrics


def run_metrics(registry: ModelRegistry, fake: Any, run_id: str) -> dict[str, float]:
    """The metrics logged on a run, read from the store itself."""
    if registry.backend.target == "remote":
        return {k: m.value for k, m in fake.state.runs[run_id].latest_metrics().items()}
    from mlflow import MlflowClient

    return dict(MlflowClient(registry.tracking_uri).get_run(run_id).data.metrics)


@pytest.mark.parametrize(
    "metrics",
    [{"accuracy": "high"}, {"accuracy": float("nan")}, {"acc@1": 0.5}, {"": 1.0}, [("a", 1.0)]],
)
def test_bad_metrics_are_refused_before_any_request(
    registry: ModelRegistry, fake: Any, sk_model: Any, metrics: Any
) -> None:
    with pytest.raises(InvalidInputError):
        registry.register_model(sk_model, "scored", metrics=metrics)
    assert not fake.requests
    assert nothing_written(registry, fake)


def test_an_input_example_gives_the_saved_model_a_signature(registry: ModelRegistry) -> None:
    from sklearn.linear_model import LinearRegression

    features = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]])
    model = LinearRegression().fit(features, features.sum(axis=1))
    entry = registry.register_model(model, "with-example", input_example=features[:2])
    signature = registry.load_model("with-example", entry.version or "").metadata.signature
    assert signature is not None and signature.inputs.to_dict()[0]["type"] == "tensor"


def test_a_given_signature_is_the_one_saved(registry: ModelRegistry, sk_model: Any) -> None:
    from mlflow.models import infer_signature

    features = np.array([[5.1, 3.5, 1.4, 0.2]])
    given = infer_signature(features, sk_model.predict(features))
    entry = registry.register_model(sk_model, "with-signature", signature=given)
    assert registry.load_model("with-signature", entry.version or "").metadata.signature == given


def test_a_signature_for_an_already_saved_model_is_refused(
    registry: ModelRegistry, fake: Any, sk_model_dir: Path
) -> None:
    with pytest.raises(InvalidInputError, match="already"):
        registry.register_model(sk_model_dir, "saved", input_example=[[1.0, 2.0, 3.0, 4.0]])
    assert not fake.requests


class _FailingSave(HokusaiModel):
    def __init__(self, failure: Exception) -> None:
        super().__init__("failing", "custom", "1")
        self.failure = failure

    def predict(self, data: Any) -> Any:
        return data

    def load(self, path: str) -> None:
        pass

    def save(self, path: str) -> None:
        raise self.failure


def test_a_full_disk_while_saving_is_a_storage_error_not_bad_input(
    registry: ModelRegistry, fake: Any
) -> None:
    full = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(LocalStoreError) as info:
        registry.register_model(_FailingSave(full), "full")
    assert not isinstance(info.value, InvalidInputError)
    assert isinstance(info.value, OSError) and "No space left on device" in str(info.value)
    assert not fake.requests


def test_a_model_its_framework_cannot_save_is_bad_input(registry: ModelRegistry) -> None:
    with pytest.raises(InvalidInputError, match="could not save") as info:
        registry.register_model(_FailingSave(TypeError("cannot pickle 'lock'")), "broken")
    assert "cannot pickle 'lock'" in str(info.value)
