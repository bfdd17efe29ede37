"""The earlier SDK's examples and scripts, written as its users wrote them.

Each function is one script: it builds ``ModelRegistry()`` from the environment the user set (or
the tracking URI they pass) and returns what it read back, so the tests can check it in mock,
local and remote mode, and the integration tests against the real server.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hokusai.core import ModelRegistry
from hokusai.core.models import HokusaiModel, ModelFactory, ModelType
from hokusai.core.registry import RegistryException

CONTRIBUTOR = "0x" + "ab" * 20


class LeadScorer(HokusaiModel):
    """A user's HokusaiModel: a threshold on one feature, saved as JSON."""

    def __init__(self, threshold: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.threshold = threshold

    def predict(self, data: Any) -> Any:
        return [int(row[0] > self.threshold) for row in data]

    def save(self, path: str) -> None:
        (Path(path) / "scorer.json").write_text(json.dumps({"threshold": self.threshold}))

    def load(self, path: str) -> None:
        self.threshold = json.loads((Path(path) / "scorer.json").read_text())["threshold"]


def readme_quick_start() -> dict[str, Any]:
    """README, "Register a Model" and "Track Model Improvements"."""
    registry = ModelRegistry(tracking_uri=os.environ.get("MLFLOW_TRACKING_URI"))
    model = ModelFactory.create_model(
        model_type=ModelType.CLASSIFICATION,
        model_id="lead-scorer-v1",
        version="1.0.0",
        config={"n_classes": 2},
    )
    entry = registry.register_baseline(
        model=model,
        model_type="lead_scoring",
        metadata={"dataset": "initial_training_set", "author": "data_science_team"},
    )
    improved_model = ModelFactory.create_model(
        model_type=ModelType.CLASSIFICATION,
        model_id="lead-scorer-v2",
        version="2.0.0",
        config={"n_classes": 2},
        metrics={"accuracy": 0.92},
    )
    delta = {"accuracy_improvement": 0.07}
    improved = registry.register_improved_model(
        model=improved_model,
        baseline_id="lead-scorer-v1",
        delta_metrics=delta,
        contributor=CONTRIBUTOR,
    )
    lineage = registry.get_model_lineage("lead-scorer-v2")
    loaded = registry.load_model("lead_scoring", improved.version)
    return {
        "baseline": entry,
        "improved": improved,
        "lineage": [(v["model_id"], v["version"], v["metrics"]) for v in lineage.entries],
        "total_improvement": lineage.total_improvement,
        "prediction": loaded.predict({"features": [0.5, 0.3, 0.8]}),
        "expected": improved_model.predict({"features": [0.5, 0.3, 0.8]}),
    }


def complete_registration_example() -> dict[str, Any]:
    """examples/complete_registration_example.py, register_model_example()."""
    registry = ModelRegistry()
    model = LeadScorer(
        threshold=0.4, model_id="example-model-001", model_type="lead_scoring", version="1.0.0"
    )
    model.metrics = {"accuracy": 0.92, "precision": 0.89, "recall": 0.94, "f1_score": 0.91}
    entry = registry.register_baseline(
        model=model,
        model_type="lead_scoring",
        metadata={"dataset": "customer_data_v2", "training_date": "2024-01-15"},
    )
    # "Method 2: Using model_name parameter (backward compatibility)"
    entry2 = registry.register_baseline(
        model_name="lead_scoring", model=model, metadata={"variant": "alternative_method"}
    )
    loaded = registry.load_model(entry.name, entry.version)
    return {
        "entry": entry,
        "entry2": entry2,
        "prediction": list(loaded.predict([[0.3], [0.5]])),
        "expected": model.predict([[0.3], [0.5]]),
    }


def lifecycle_script() -> dict[str, Any]:
    """A script in the earlier style: baseline, improvement, lineage, rollback, clean-up."""
    registry = ModelRegistry()
    base = LeadScorer(0.5, model_id="churn-base", model_type="churn", version="1.0.0")
    base.metrics = {"auc": 0.81}
    registry.register_baseline(base, "churn")
    better = LeadScorer(0.45, model_id="churn-better", model_type="churn", version="1.1.0")
    better.metrics = {"auc": 0.84}
    registry.register_improved_model(better, "churn-base", {"auc_improvement": 0.03}, CONTRIBUTOR)

    lineage = registry.get_model_lineage("churn-better")
    history = [
        {key: entry[key] for key in ("model_id", "version", "is_baseline", "baseline_id")}
        for entry in lineage.entries
    ]
    latest = registry.get_latest_model("churn")
    rolled_back = registry.rollback_model("churn", "churn-base")
    production = registry.get_latest_model("churn")
    try:
        registry.get_model_by_id("churn-v0")
        missing = "found"
    except RegistryException as e:
        missing = str(e)
    deleted = registry.delete_model_version("churn-better")
    return {
        "history": history,
        "total_improvement": lineage.total_improvement,
        "latest": latest.model_id if latest else None,
        "rolled_back": rolled_back,
        "production": production.model_id if production else None,
        "missing": missing,
        "deleted": deleted,
        "remaining": [e.model_id for e in registry.list_models_by_type("churn")],
    }


def tokenized_registry_example(model_uri: str) -> dict[str, Any]:
    """examples/tokenized_registry_example.py, main(): ``model_uri`` is a real model's URI."""
    registry = ModelRegistry()
    result = registry.register_tokenized_model(
        model_uri=model_uri,
        model_name="proposal-MSG-AI",
        token_id="MSG-AI",
        metric_name="reply_rate",
        baseline_value=0.1342,
        additional_tags={
            "registration_flow": "proposal_fulfillment",
            "dataset": "customer_interactions_v2",
            "environment": "production",
            "team": "messaging",
        },
    )
    registered = (result["model_name"], result["version"], result["token_id"])
    model = registry.get_tokenized_model("proposal-MSG-AI", "1")
    retrieved = (model["model_name"], model["version"], model["metric_name"])
    models = registry.list_models_by_token("MSG-AI")
    listed = [(m["model_name"], m["version"], m["baseline_value"]) for m in models]
    registry.update_model_tags(
        "proposal-MSG-AI", "1", {"benchmark_value": "0.1456", "last_evaluated": "2024-01-15"}
    )
    updated = registry.get_tokenized_model("proposal-MSG-AI", "1")
    return {
        "registered": registered,
        "metric": (result["metric_name"], result["baseline_value"]),
        "retrieved": retrieved,
        "listed": listed,
        "updated": (updated["baseline_value"], updated["tags"]["last_evaluated"]),
    }


def validate_token_examples() -> dict[str, list[str]]:
    """examples/tokenized_registry_example.py, validate_token_examples()."""
    registry = ModelRegistry()
    valid_tokens = ["MSG-AI", "LEAD-SCORER", "CHURN-PREDICTOR-V2", "RECOMMENDATION-ENGINE-PROD"]
    invalid_tokens = ["MSG AI", "token@special", "", "a" * 65, "-token", "token-"]
    accepted, rejected = [], []
    for token in valid_tokens + invalid_tokens:
        try:
            registry.validate_token_id(token)
            accepted.append(token)
        except ValueError:
            rejected.append(token)
    return {"accepted": accepted, "rejected": rejected}


def pipeline_integration_example(first_uri: str, second_uri: str) -> dict[str, Any]:
    """examples/pipeline_integration_example.py: the Metaflow steps after training."""
    tracking_uri = os.environ.get("MLFLOW_TRACKING_URI")
    token_id, metric_name, model_name = "MSG-AI", "reply_rate", "MSG-AI"

    registry = ModelRegistry(tracking_uri)
    result = registry.register_tokenized_model(
        model_uri=first_uri,
        model_name=model_name,
        token_id=token_id,
        metric_name=metric_name,
        baseline_value=0.1342,
        additional_tags={"pipeline": "TokenAwarePipelineFlow", "experiment": "initial_baseline"},
    )
    registered_version = result["version"]

    registry = ModelRegistry(tracking_uri)
    improvement = 0.1456 - 0.1342
    result = registry.register_tokenized_model(
        model_uri=second_uri,
        model_name=model_name,
        token_id=token_id,
        metric_name=metric_name,
        baseline_value=0.1456,
        additional_tags={
            "pipeline": "TokenAwarePipelineFlow",
            "experiment": "random_forest_improvement",
            "improvement": f"{improvement:.4f}",
            "baseline_version": registered_version,
        },
    )
    improved_version = result["version"]

    registry = ModelRegistry(tracking_uri)
    models = registry.list_models_by_token(token_id)
    baseline = registry.get_tokenized_model(model_name, registered_version)
    improved = registry.get_tokenized_model(model_name, improved_version)
    return {
        "versions": [
            (m["model_name"], m["version"], m["metric_name"], m["baseline_value"]) for m in models
        ],
        "delta": improved["baseline_value"] - baseline["baseline_value"],
        "baseline_version_tag": improved["tags"]["baseline_version"],
    }
