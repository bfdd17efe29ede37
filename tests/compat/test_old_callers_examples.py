"""The earlier SDK's README, examples and scripts run unchanged in mock, local and remote mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hokusai import HokusaiError, ModelNotFoundError
from hokusai.core import ModelRegistry
from tests.compat import old_scripts


def check_readme_quick_start(read: dict[str, Any]) -> None:
    baseline, improved = read["baseline"], read["improved"]
    assert (baseline.model_id, baseline.model_version, baseline.is_baseline) == (
        "lead-scorer-v1",
        "1.0.0",
        True,
    )
    assert baseline.tags["metadata"] == (
        '{"author": "data_science_team", "dataset": "initial_training_set"}'
    )
    assert (improved.model_id, improved.baseline_id) == ("lead-scorer-v2", "lead-scorer-v1")
    assert int(improved.version) == int(baseline.version) + 1
    assert improved.contributor_address == old_scripts.CONTRIBUTOR
    assert read["lineage"] == [
        ("lead-scorer-v1", baseline.version, {}),
        ("lead-scorer-v2", improved.version, {"accuracy": 0.92}),
    ]
    assert read["total_improvement"] == pytest.approx(0.07)
    assert read["prediction"] == read["expected"]


def check_complete_registration(read: dict[str, Any]) -> None:
    entry, entry2 = read["entry"], read["entry2"]
    assert entry.model_id == entry2.model_id == "example-model-001"
    assert int(entry2.version) == int(entry.version) + 1
    assert entry.metrics == {"accuracy": 0.92, "precision": 0.89, "recall": 0.94, "f1_score": 0.91}
    assert entry2.tags["metadata"] == '{"variant": "alternative_method"}'
    assert read["prediction"] == read["expected"] == [0, 1]


def check_lifecycle(read: dict[str, Any]) -> None:
    assert read["history"] == [
        {"model_id": "churn-base", "version": "1", "is_baseline": True, "baseline_id": None},
        {
            "model_id": "churn-better",
            "version": "2",
            "is_baseline": False,
            "baseline_id": "churn-base",
        },
    ]
    assert read["total_improvement"] == pytest.approx(0.03)
    assert (read["latest"], read["rolled_back"], read["production"]) == (
        "churn-better",
        True,
        "churn-base",
    )
    assert read["missing"].startswith("Model not found: churn-v0")
    assert read["deleted"] is True and read["remaining"] == ["churn-base"]


def check_tokenized(read: dict[str, Any]) -> None:
    assert read["registered"] == ("proposal-MSG-AI", "1", "MSG-AI")
    assert read["metric"] == ("reply_rate", 0.1342)
    assert read["retrieved"] == ("proposal-MSG-AI", "1", "reply_rate")
    # Other models of the same token (another script's) may be listed too.
    assert [m for m in read["listed"] if m[0] == "proposal-MSG-AI"] == [
        ("proposal-MSG-AI", "1", 0.1342)
    ]
    assert read["updated"] == (0.1456, "2024-01-15")


def check_pipeline(read: dict[str, Any]) -> None:
    assert [v[1:] for v in read["versions"] if v[0] == "MSG-AI"] == [
        ("1", "reply_rate", 0.1342),
        ("2", "reply_rate", 0.1456),
    ]
    assert read["delta"] == pytest.approx(0.0114)
    assert read["baseline_version_tag"] == "1"


def test_readme_quick_start(old_env: str) -> None:
    check_readme_quick_start(old_scripts.readme_quick_start())


def test_complete_registration_example(old_env: str) -> None:
    check_complete_registration(old_scripts.complete_registration_example())


def test_lifecycle_script(old_env: str) -> None:
    check_lifecycle(old_scripts.lifecycle_script())


def trained_uris(count: int, sk_model_dir: Path) -> list[str]:
    """What the examples' training step produced: real model URIs in this registry."""
    registry = ModelRegistry()
    return [
        f"models:/trained/{registry.register_model(sk_model_dir, 'trained').version}"
        for _ in range(count)
    ]


def test_tokenized_registry_example(old_env: str, sk_model_dir: Path) -> None:
    # The script builds its own ModelRegistry(): in mock mode too it finds the model that
    # another instance registered (one in-memory registry per HOKUSAI_HOME).
    (uri,) = trained_uris(1, sk_model_dir)
    check_tokenized(old_scripts.tokenized_registry_example(uri))


def test_pipeline_integration_example(old_env: str, sk_model_dir: Path) -> None:
    # A new ModelRegistry() per step reads back what the earlier steps registered, mock included.
    uris = trained_uris(2, sk_model_dir)
    check_pipeline(old_scripts.pipeline_integration_example(*uris))


def test_validate_token_examples() -> None:
    read = old_scripts.validate_token_examples()
    assert read["accepted"] == [
        "MSG-AI",
        "LEAD-SCORER",
        "CHURN-PREDICTOR-V2",
        "RECOMMENDATION-ENGINE-PROD",
    ]
    assert read["rejected"] == ["MSG AI", "token@special", "", "a" * 65, "-token", "token-"]


def test_the_examples_placeholder_run_uri_is_refused(old_env: str) -> None:
    """The example's dummy ``runs:/abc123def456/model`` registered a version pointing at
    nothing; now the URI must name a real run, and nothing is registered."""
    with pytest.raises(HokusaiError, match="The earlier SDK registered such a URI anyway"):
        old_scripts.tokenized_registry_example("runs:/abc123def456/model")
    assert ModelRegistry().list_models_by_token("MSG-AI") == []


def test_a_missing_model_uri_is_refused_with_what_changed(old_env: str) -> None:
    registry = ModelRegistry()
    with pytest.raises(ModelNotFoundError, match="names no model in the registry"):
        registry.register_tokenized_model("models:/nothing/3", "m", "MSG-AI", "reply_rate", 0.1)
    assert registry.list_models_by_token("MSG-AI") == []
