"""The platform's registration API behaves the same on every backend: mock, local and remote."""

from __future__ import annotations

from typing import Any

import pytest

from hokusai import InvalidInputError, ModelNotFoundError, ModelRegistry
from tests.conftest import KEYS

ADDRESS = "0x" + "ab" * 20


@pytest.fixture
def registry(registry_in_each_mode: ModelRegistry) -> ModelRegistry:
    return registry_in_each_mode


def test_baseline_then_improved_builds_a_lineage(registry: ModelRegistry, sk_model: Any) -> None:
    baseline = registry.register_baseline(sk_model, "churn", metadata={"dataset": "v1"})
    assert baseline.is_baseline and baseline.model_type == "churn" and baseline.version == "1"
    assert baseline.tags["metadata"] == '{"dataset": "v1"}'
    improved = registry.register_improved_model(
        sk_model, baseline.model_id, {"accuracy_improvement": 0.03}, ADDRESS
    )
    assert (improved.version, improved.baseline_id) == ("2", baseline.model_id)
    assert improved.contributor_address == ADDRESS
    assert improved.delta_metrics == {"accuracy_improvement": 0.03}
    lineage = registry.get_model_lineage(improved.model_id)
    assert [e.model_id for e in lineage.entries] == [baseline.model_id, improved.model_id]
    assert lineage.total_improvement == pytest.approx(0.03)
    assert [e.version for e in registry.list_models_by_type("churn")] == ["1", "2"]


def test_latest_is_the_newest_until_a_rollback_sets_production(
    registry: ModelRegistry, sk_model: Any
) -> None:
    first = registry.register_baseline(sk_model, "churn")
    second = registry.register_baseline(sk_model, "churn")
    assert registry.get_latest_model("churn").version == second.version
    assert registry.rollback_model("churn", first.model_id) is True
    latest = registry.get_latest_model("churn")
    assert latest.version == first.version and "production" in latest.aliases
    assert registry.rollback_model("other-type", first.model_id) is False


def test_tokenized_model_keeps_the_old_dict_access(registry: ModelRegistry, sk_model: Any) -> None:
    source = registry.register_model(sk_model, "base")
    uri = f"models:/base/{source.version}"
    entry = registry.register_tokenized_model(uri, "msg-ai", "msg-ai", "reply_rate", 0.1342)
    assert entry["model_name"] == "msg-ai" and entry["version"] == "1"
    assert entry["token_id"] == "MSG-AI" and entry["baseline_value"] == 0.1342
    assert entry.tags["benchmark_metric"] == "reply_rate"


def test_missing_things_are_reported_as_not_found(registry: ModelRegistry, sk_model: Any) -> None:
    # get_model_by_id raises for a missing id, as the platform's earlier SDK did (it returned
    # None here before); the error is both ModelNotFoundError and the old RegistryException.
    with pytest.raises(ModelNotFoundError, match="Model not found: nope"):
        registry.get_model_by_id("nope")
    assert registry.get_latest_model("nothing-here") is None
    with pytest.raises(ModelNotFoundError):
        registry.get_model_lineage("nope")
    with pytest.raises(ModelNotFoundError):
        registry.register_improved_model(sk_model, "nope", {"a": 1.0}, ADDRESS)
    registry.register_model(sk_model, "churn")
    with pytest.raises(ModelNotFoundError) as info:
        registry.get_model_version("churn", 7)
    assert isinstance(info.value, LookupError)


def test_a_model_directory_registers_its_real_files(
    registry: ModelRegistry, sk_model: Any, tmp_path: Any
) -> None:
    import mlflow.sklearn

    model_dir = tmp_path / "exported"
    mlflow.sklearn.save_model(sk_model, str(model_dir), pip_requirements=["scikit-learn"])
    entry = registry.register_model(model_dir, "exported")
    back = registry.download_model("exported", entry.version, tmp_path / "back")
    originals = {
        p.relative_to(model_dir): p.read_bytes() for p in model_dir.rglob("*") if p.is_file()
    }
    copies = {p.relative_to(back): p.read_bytes() for p in back.rglob("*") if p.is_file()}
    assert copies == originals


BAD_INPUTS = [
    ("name", lambda r, m: r.register_model(m, "bad/name"), "name must be"),
    ("alias", lambda r, m: r.register_model(m, "ok", alias="v1"), "reserved"),
    ("model", lambda r, m: r.register_model(object(), "ok"), "Cannot register"),
    ("path", lambda r, m: r.register_model("/no/such/dir", "ok"), "neither a model URI"),
    ("address", lambda r, m: r.register_improved_model(m, "b", {"a": 1.0}, "0x12"), "0x followed"),
    (
        "metric",
        lambda r, m: r.register_improved_model(m, "b", {"a": "x"}, ADDRESS),
        "finite number",
    ),
    (
        "metric-nan",
        lambda r, m: r.register_improved_model(m, "b", {"a": float("nan")}, ADDRESS),
        "finite",
    ),
    ("no-metrics", lambda r, m: r.register_improved_model(m, "b", {}, ADDRESS), "non-empty"),
    (
        "token",
        lambda r, m: r.register_tokenized_model("runs:/x/m", "n", "bad token!", "m", 1.0),
        "token_id",
    ),
    (
        "baseline-value",
        lambda r, m: r.register_tokenized_model("runs:/x/m", "n", "T", "m", True),
        "finite",
    ),
    ("tag-size", lambda r, m: r.register_model(m, "ok", tags={"k": "x" * 5001}), "at most 5000"),
]


@pytest.mark.parametrize(("what", "call", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_fails_before_any_request_and_registers_nothing(
    fake: Any, sk_model: Any, what: str, call: Any, message: str
) -> None:
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    with pytest.raises(InvalidInputError, match=message):
        call(registry, sk_model)
    assert fake.requests == []
    assert registry.pending_store().pending() == []
