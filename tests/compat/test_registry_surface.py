"""The earlier SDK's names, signatures and return shapes, as its callers wrote them."""

from __future__ import annotations

import inspect
import json
import warnings
from datetime import datetime
from typing import Any

import pytest

from hokusai import InvalidInputError, ModelNotFoundError
from hokusai.core.registry import (
    ModelLineage,
    ModelRegistry,
    ModelRegistryEntry,
    RegistryException,
)
from hokusai.errors import InvalidTagsError

# The earlier SDK's positional parameter names, in order (its reference table).
OLD_SIGNATURES = {
    "register_baseline": ["model", "model_type", "model_name", "metadata"],
    "register_improved_model": ["model", "baseline_id", "delta_metrics"],
    "get_model_by_id": ["model_id"],
    "get_model_lineage": ["model_id"],
    "list_models_by_type": ["model_type"],
    "get_latest_model": ["model_type"],
    "rollback_model": ["model_type", "target_model_id"],
    "register_tokenized_model": [
        "model_uri",
        "model_name",
        "token_id",
        "metric_name",
        "baseline_value",
        "additional_tags",
    ],
    "get_tokenized_model": ["model_name", "version"],
    "list_models_by_token": ["token_id"],
    "update_model_tags": ["model_name", "version", "tags"],
    "validate_token_id": ["token_id"],
    "validate_hokusai_tags": ["tags"],
    "delete_model_version": ["model_id"],
}


@pytest.mark.parametrize("method", sorted(OLD_SIGNATURES))
def test_every_method_keeps_its_positional_order_and_keyword_names(method: str) -> None:
    params = [
        p.name
        for p in inspect.signature(getattr(ModelRegistry, method)).parameters.values()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name != "self"
    ]
    old = OLD_SIGNATURES[method]
    assert params[: len(old)] == old


def test_the_earlier_import_paths_give_the_same_classes() -> None:
    import hokusai
    import hokusai.core as core
    import hokusai.core.models as core_models

    assert core.ModelRegistry is hokusai.ModelRegistry is ModelRegistry
    assert core.ModelRegistryEntry is hokusai.ModelRegistryEntry is ModelRegistryEntry
    assert core.ModelLineage is ModelLineage and core.RegistryException is RegistryException
    for name in ("HokusaiModel", "ModelFactory", "ModelType", "ClassificationModel"):
        assert getattr(core, name) is getattr(core_models, name)
    assert {"RegressionModel", "CustomModel", "ModelRegistry"} <= set(core.__all__)


def test_a_missing_model_is_both_not_found_and_the_old_registry_exception() -> None:
    registry = ModelRegistry(mode="mock")
    with pytest.raises(RegistryException) as caught:
        registry.get_model_by_id("churn-v9")
    assert isinstance(caught.value, ModelNotFoundError)
    assert isinstance(caught.value, LookupError)
    assert str(caught.value).startswith("Model not found: churn-v9")


def test_an_entry_builds_from_the_earlier_keywords_and_says_what_changed() -> None:
    with pytest.warns(DeprecationWarning, match="model_version= .the model's own version"):
        entry = ModelRegistryEntry(
            model_id="lead-scorer-v2",
            model_type="lead_scoring",
            version="2.0.0",
            is_baseline=False,
            baseline_id="lead-scorer-v1",
            metrics={"accuracy": 0.92},
            delta_metrics={"accuracy_improvement": 0.07},
            contributor_address="0x" + "ab" * 20,
            mlflow_version="4",
            tags={"team": "growth"},
        )
    assert (entry.model_id, entry.model_type, entry.name) == (
        "lead-scorer-v2",
        "lead_scoring",
        "lead_scoring",
    )
    # version is the registry's number everywhere; the model's own version is model_version.
    assert (entry.version, entry.model_version) == ("4", "2.0.0")
    assert entry.is_baseline is False and entry.baseline_id == "lead-scorer-v1"
    assert entry.metrics == {"accuracy": 0.92}
    assert entry.delta_metrics == {"accuracy_improvement": 0.07}
    assert entry.contributor_address == "0x" + "ab" * 20
    assert entry.tags["team"] == "growth"
    assert isinstance(entry.timestamp, datetime)
    with pytest.warns(DeprecationWarning, match=r"use \.version"):
        assert entry.mlflow_version == "4"


def test_an_entry_built_positionally_the_old_way_has_the_old_defaults() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        entry = ModelRegistryEntry("m-1", "churn", "1.0.0")
    assert entry.version is None and entry.model_version == "1.0.0"
    assert entry.is_baseline is False and entry.baseline_id is None
    assert entry.metrics == {} and entry.delta_metrics is None and entry.tags["timestamp"]
    assert not entry.registered


def test_an_entry_needs_a_name_or_the_old_model_type() -> None:
    with pytest.raises(TypeError, match="name="):
        ModelRegistryEntry(model_id="m-1", version="1")


def test_the_registrys_own_entries_build_and_copy_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        entry = ModelRegistryEntry(
            name="churn", version="2", target="mock", tracking_uri="mock://hokusai"
        )
        from dataclasses import replace

        copy = replace(entry, pending_sync=True)
    assert copy.version == "2" and copy.pending_sync and copy.name == "churn"
    assert copy != entry and replace(copy, pending_sync=False) == entry


def test_an_entry_reads_as_the_old_lineage_and_token_dicts() -> None:
    entry = ModelRegistryEntry(
        name="msg-ai",
        version="3",
        target="remote",
        tracking_uri="https://registry.example/api/mlflow",
        model_id="m-3",
        run_id="run-9",
        tags={
            "model_id": "m-3",
            "version": "1.2.0",
            "is_baseline": "false",
            "baseline_id": "m-1",
            "metrics": json.dumps({"reply_rate": 0.15}),
            "delta_metrics": json.dumps({"reply_rate_improvement": 0.01}),
            "contributor_address": "0xabc",
            "timestamp": "2024-01-15T10:00:00+00:00",
            "hokusai_token_id": "MSG-AI",
            "benchmark_metric": "reply_rate",
            "benchmark_value": "0.1342",
        },
    )
    assert entry["model_id"] == "m-3" and entry["version"] == "3"
    assert entry["model_version"] == "1.2.0" and entry["is_baseline"] is False
    assert entry["baseline_id"] == "m-1" and entry["metrics"] == {"reply_rate": 0.15}
    assert entry["delta_metrics"] == {"reply_rate_improvement": 0.01}
    assert entry["contributor_address"] == "0xabc"
    assert entry["timestamp"] == "2024-01-15T10:00:00+00:00"  # a string, as in the old dicts
    assert entry["model_name"] == "msg-ai" and entry["token_id"] == "MSG-AI"
    assert entry["metric_name"] == "reply_rate" and entry["baseline_value"] == 0.1342
    assert entry["mlflow_run_id"] == "run-9" and entry["tags"]["benchmark_value"] == "0.1342"
    assert entry.get("no-such-key") is None and "token_id" in entry
    as_dict = dict(entry)
    assert as_dict["version"] == "3" and as_dict["model_name"] == "msg-ai"
    with pytest.raises(KeyError):
        entry["no-such-key"]


def test_a_lineage_iterates_its_entries() -> None:
    entries = [
        ModelRegistryEntry(
            name="t", version=str(n), target="mock", tracking_uri="", model_id=str(n)
        )
        for n in (1, 2)
    ]
    lineage = ModelLineage(model_id="2", entries=entries, total_improvement=0.5)
    assert [e["model_id"] for e in lineage] == ["1", "2"] and len(lineage) == 2


TOKEN_CASES = [
    ("", "cannot be empty"),
    ("A" * 65, "too long"),
    ("MSG AI", "only letters, numbers, and hyphens"),
    ("token@special", "only letters, numbers, and hyphens"),
    ("-token", "cannot start or end with hyphen"),
    ("token-", "cannot start or end with hyphen"),
]


@pytest.mark.parametrize(("token", "message"), TOKEN_CASES)
def test_token_ids_follow_the_platform_rules(token: str, message: str) -> None:
    registry = ModelRegistry(mode="mock")
    with pytest.raises(ValueError, match=message) as caught:
        registry.validate_token_id(token)
    assert isinstance(caught.value, InvalidInputError)


def test_good_token_ids_pass_and_are_stored_upper_case() -> None:
    registry = ModelRegistry(mode="mock")
    for token in ("MSG-AI", "lead-scorer", "CHURN-PREDICTOR-V2", "A" * 64):
        assert registry.validate_token_id(token) is None
    assert registry.normalize_token_id("msg-ai") == "MSG-AI"


HOKUSAI_TAGS = {"hokusai_token_id": "MSG-AI", "benchmark_metric": "reply_rate"}


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({}, "Missing required tag: hokusai_token_id"),
        ({"hokusai_token_id": "X", "benchmark_value": "1"}, "Missing required tag: benchmark"),
        ({**HOKUSAI_TAGS, "benchmark_value": 0.5}, "must be a str"),
        ({**HOKUSAI_TAGS, "benchmark_value": "high"}, "convertible to float"),
    ],
)
def test_hokusai_tags_are_checked_as_they_were(tags: dict[str, Any], message: str) -> None:
    registry = ModelRegistry(mode="mock")
    with pytest.raises(RegistryException, match=message) as caught:
        registry.validate_hokusai_tags(tags)
    assert isinstance(caught.value, InvalidTagsError) and isinstance(caught.value, ValueError)
    assert registry.validate_hokusai_tags({**HOKUSAI_TAGS, "benchmark_value": "0.5"}) is None


def test_register_baseline_needs_a_model_and_a_type(sk_model_dir: Any) -> None:
    registry = ModelRegistry(mode="mock")
    with pytest.raises(ValueError, match="Model parameter is required"):
        registry.register_baseline(model_type="churn")
    with pytest.raises(ValueError, match="needs model_type"):
        registry.register_baseline(sk_model_dir)
    with (
        pytest.raises(InvalidInputError, match="model_name is the earlier name of model_type"),
        pytest.warns(DeprecationWarning),
    ):
        registry.register_baseline(sk_model_dir, model_type="a", model_name="b")
    with pytest.raises(InvalidInputError, match=r"unexpected keyword argument.*dataset"):
        registry.register_baseline(sk_model_dir, "churn", dataset="v2")
    assert registry.list_models_by_type("churn") == []


def test_tokenized_registration_keeps_its_old_messages() -> None:
    registry = ModelRegistry(mode="mock")
    with pytest.raises(ValueError, match="All parameters are required"):
        registry.register_tokenized_model("", "m", "MSG-AI", "reply_rate", 0.1)
    with pytest.raises(ValueError, match="baseline_value must be a finite number"):
        registry.register_tokenized_model("runs:/abc/model", "m", "MSG-AI", "r", "0.1")  # type: ignore[arg-type]


def test_improved_model_needs_a_contributor_under_either_name(sk_model_dir: Any) -> None:
    registry = ModelRegistry(mode="mock")
    with pytest.raises(InvalidInputError, match="needs contributor_address="):
        registry.register_improved_model(sk_model_dir, "b-1", {"acc": 0.1})
    with (
        pytest.raises(InvalidInputError, match="contributor is the earlier name"),
        pytest.warns(DeprecationWarning),
    ):
        registry.register_improved_model(
            sk_model_dir,
            "b-1",
            {"acc": 0.1},
            contributor_address="0x" + "ab" * 20,
            contributor="0x" + "cd" * 20,
        )


def test_the_last_earlier_releases_notification_options_are_accepted(sk_model_dir: Any) -> None:
    registry = ModelRegistry(mode="mock")
    uri = f"models:/trained/{registry.register_model(sk_model_dir, 'trained').version}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = registry.register_tokenized_model(
            uri, "msg", "MSG-AI", "reply_rate", 0.1, notify_site=False
        )
        # The in-memory registry is not the hosted one: there is no site to tell.
        best_effort = registry.register_tokenized_model(
            uri, "msg", "MSG-AI", "reply_rate", 0.2, best_effort_notification=True
        )
    assert (quiet["token_id"], quiet["site_status_update"]) == ("MSG-AI", "skipped")
    assert (best_effort["site_status_update"], best_effort["event_emitted"]) == ("skipped", False)
    with pytest.raises(InvalidInputError, match=r"unexpected keyword argument.*notify"):
        registry.register_tokenized_model(uri, "msg", "MSG-AI", "reply_rate", 0.2, notify=True)
    with pytest.raises(InvalidInputError, match="notify_site must be True or False"):
        registry.register_tokenized_model(uri, "msg", "MSG-AI", "reply_rate", 0.2, notify_site=1)
    assert [m["baseline_value"] for m in registry.list_models_by_token("MSG-AI")] == [0.1, 0.2]


def test_hokusai_core_exports_the_earlier_notification_error() -> None:
    exceptions = pytest.importorskip(
        "hokusai.exceptions", reason="hokusai.exceptions is built on another branch"
    )
    import hokusai.core as core

    assert core.NotificationError is exceptions.NotificationError


def test_importing_hokusai_core_does_not_import_mlflow() -> None:
    import subprocess
    import sys

    probe = "import hokusai.core, sys; print('mlflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
