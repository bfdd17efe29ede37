"""``ModelVersionManager``, ``HokusaiInferencePipeline`` and the A/B router, on this SDK's
registry: the mock, the local store and the (fake) hosted registry."""

from __future__ import annotations

import asyncio
import copy
import random
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hokusai import HokusaiInferencePipeline, ModelRegistry, ModelVersionManager
from hokusai.core.ab_testing import ABTestConfig, ABTestException, ModelTrafficRouter
from hokusai.core.inference import CacheConfig, InferenceException, InferenceRequest
from hokusai.core.models import ModelFactory
from hokusai.core.registry import RegistryException
from hokusai.core.versioning import Version, VersioningException, VersionNotFoundError

X = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]


def _model(version: str = "0.0.0", accuracy: float = 0.8) -> Any:
    return ModelFactory.create_model(
        "classification",
        model_id=f"clf-{version}-{random.random()}",
        version=version,
        metrics={"accuracy": accuracy},
    )


def test_versions_parse_compare_and_increment() -> None:
    assert (
        Version("1.2.3") < Version("1.10.0") and str(Version("1.2.3").increment("minor")) == "1.3.0"
    )
    with pytest.raises(VersioningException, match=r"Expected format: X\.Y\.Z") as info:
        Version("1.2")
    assert isinstance(info.value, ValueError) and isinstance(info.value, RegistryException)


def test_version_manager_registers_lists_compares_and_rolls_back(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    manager = ModelVersionManager(registry)
    first = manager.register_version(_model(accuracy=0.80), "churn", auto_increment="minor")
    second = manager.register_version(_model(accuracy=0.85), "churn", auto_increment="minor")
    third = manager.register_version(_model(accuracy=0.84), "churn", version="2.0.0")
    assert [first.model_version, second.model_version, third.model_version] == [
        "1.0.0",
        "1.1.0",
        "2.0.0",
    ]
    assert [e.model_version for e in manager.get_version_history("churn")] == [
        "1.0.0",
        "1.1.0",
        "2.0.0",
    ]
    compared = manager.compare_versions("churn", "1.0.0", "1.1.0")
    assert compared.metrics_delta["accuracy"] == pytest.approx(0.05) and compared.is_improvement
    assert manager.get_previous_version("churn", "2.0.0").model_version == "1.1.0"  # type: ignore[union-attr]

    assert manager.rollback_to_version("churn", "1.1.0") is True
    assert registry.get_latest_model("churn").model_version == "1.1.0"  # type: ignore[union-attr]

    assert manager.deprecate_version("churn", "1.0.0") is True
    assert manager.deprecate_version("churn", "9.9.9") is False
    history = manager.get_version_history("churn")
    assert history[0].tags["deprecated"] == "true"
    assert manager.get_latest_stable_version("churn") is None
    registry.update_model_tags("churn", history[1].version, {"stable": "true"})
    assert manager.get_latest_stable_version("churn").model_version == "1.1.0"  # type: ignore[union-attr]

    with pytest.raises(VersionNotFoundError, match=r"Version 3\.0\.0 not found"):
        manager.rollback_to_version("churn", "3.0.0")
    # A model directory takes no attribute: its version travels as the tag alone.
    directory = manager.register_version(sk_model_dir, "churn", auto_increment="major")
    assert directory.model_version == "3.0.0"
    with pytest.raises(VersioningException, match="both"):
        manager.register_version(_model(), "churn", version="3.0.0", auto_increment="patch")
    # The platform's registration guide passes the measured metrics (the earlier SDK refused
    # them with a TypeError): they are the version's metrics.
    measured = manager.register_version(sk_model_dir, "churn", "4.0.0", metrics={"f1_score": 0.7})
    assert measured.metrics == {"f1_score": 0.7}


def _pipeline(sk_model: Any) -> HokusaiInferencePipeline:
    registry = ModelRegistry()
    manager = ModelVersionManager(registry)
    # register_version sets .version on the model, as it always did: not on the shared one.
    manager.register_version(copy.deepcopy(sk_model), "churn", version="1.0.0")
    return HokusaiInferencePipeline(registry, manager, ModelTrafficRouter())


@pytest.mark.parametrize("old_env", ["local", "remote"], indirect=True)
def test_the_pipeline_predicts_with_the_registered_model_and_caches(
    old_env: str, sk_model: Any
) -> None:
    pipeline = _pipeline(sk_model)
    request = InferenceRequest(request_id="r1", model_type="churn", data=X)
    first = asyncio.run(pipeline.predict(request))
    assert list(first.prediction) == list(sk_model.predict(np.array(X)))
    assert first.model_version == "1.0.0" and not first.cache_hit
    again = asyncio.run(pipeline.predict(InferenceRequest("r2", "churn", X)))
    assert again.cache_hit and list(again.prediction) == list(first.prediction)

    batch = asyncio.run(
        pipeline.batch_predict(
            [InferenceRequest("b1", "churn", [[6.5, 3.0, 5.5, 2.0]], model_version="1.0.0")]
        )
    )
    assert [r.request_id for r in batch] == ["b1"]
    assert list(batch[0].prediction) == list(sk_model.predict(np.array([[6.5, 3.0, 5.5, 2.0]])))

    with pytest.raises(InferenceException, match=r"Version 7\.0\.0 not found"):
        asyncio.run(pipeline.predict(InferenceRequest("r3", "churn", X, model_version="7.0.0")))


@pytest.mark.parametrize("old_env", ["local"], indirect=True)
def test_the_pipeline_builds_its_helpers_and_says_redis_is_gone(old_env: str) -> None:
    registry = ModelRegistry()
    with pytest.warns(DeprecationWarning, match="no longer uses Redis"):
        HokusaiInferencePipeline(registry, cache_config=CacheConfig(redis_host="cache.internal"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipeline = HokusaiInferencePipeline(registry)
    assert isinstance(pipeline.version_manager, ModelVersionManager)
    with pytest.raises(InferenceException, match="No models found for type nothing"):
        asyncio.run(pipeline.predict(InferenceRequest("r", "nothing", X)))


def test_routing_is_deterministic_and_follows_the_split() -> None:
    router = ModelTrafficRouter()
    router.create_ab_test(
        ABTestConfig("t1", {"model_a": 0.2, "model_b": 0.8}, model_a="a", model_b="b")
    )
    assigned = [router.route_request("t1", f"user-{i}") for i in range(2000)]
    assert assigned == [router.route_request("t1", f"user-{i}") for i in range(2000)]
    assert 0.15 < assigned.count("a") / len(assigned) < 0.25
    with pytest.raises(ABTestException, match=r"sum to 1\.0"):
        ABTestConfig("t2", {"model_a": 0.5, "model_b": 0.6}, model_a="a", model_b="b")
    with pytest.raises(ABTestException, match="already exists"):
        router.create_ab_test(
            ABTestConfig("t1", {"model_a": 0.5, "model_b": 0.5}, model_a="a", model_b="b")
        )


def test_a_winner_needs_a_real_and_confident_difference() -> None:
    router = ModelTrafficRouter()
    router.create_ab_test(
        ABTestConfig("t", {"model_a": 0.5, "model_b": 0.5}, model_a="a", model_b="b")
    )
    # Two observations each, far apart but noisy: the earlier SDK named b the winner here.
    for value in (0.70, 0.90):
        router.record_metric("t", "a", "accuracy", value)
    for value in (0.75, 0.95):
        router.record_metric("t", "b", "accuracy", value)
    noisy = router.get_ab_test_results("t")
    assert noisy.winner is None and noisy.confidence_level < 0.95

    rng = random.Random(1)
    for _ in range(200):
        router.record_metric("t", "a", "accuracy", 0.80 + rng.gauss(0, 0.01))
        router.record_metric("t", "b", "accuracy", 0.85 + rng.gauss(0, 0.01))
    clear = router.get_ab_test_results("t")
    assert clear.winner == "b" and clear.confidence_level > 0.99
    assert clear.metrics_comparison["accuracy"]["samples_b"] == 202
