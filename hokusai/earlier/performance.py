"""The earlier SDK's ``PerformanceTracker``: improvement deltas, attestations and contributor
impact, recorded on a ``ModelRegistry``'s registry.

Changes from the earlier one:

- runs are written through ``registry.client`` (a ``ModelRegistry()`` configured as usual when
  none is given), never through MLflow's process-wide fluent API;
- an attestation is hashed but not signed: its ``signature`` is ``None`` (the earlier one held
  the string ``"placeholder_for_oracle_signature"``, which looked like a signature). Signing is
  the platform's, after registration;
- ``get_contributor_impact`` reads the contributor's improved models from the registry; the
  earlier one always returned zeros.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from hokusai.earlier.runs import DEFAULT_EXPERIMENT, ExperimentRuns
from hokusai.errors import HokusaiError, InvalidInputError
from hokusai.models import TAG_CONTRIBUTOR
from hokusai.platform import validation
from hokusai.support.notices import warn_once

if TYPE_CHECKING:
    from hokusai.registry import ModelRegistry

logger = logging.getLogger(__name__)

ATTESTATION_VERSION = "1.0"
# DeltaOne: weighted sum of the improvements, times 100 (the platform's formula).
DELTAONE_WEIGHTS = {"accuracy": 1.0, "auroc": 0.8, "f1_score": 0.9, "precision": 0.7, "recall": 0.7}


class PerformanceTracker:
    """Compute and record improvements of a model over its baseline."""

    def __init__(
        self,
        registry: ModelRegistry | None = None,
        *,
        experiment_name: str = DEFAULT_EXPERIMENT,
    ) -> None:
        self._registry = registry
        self.experiment_name = experiment_name
        self._runs: ExperimentRuns | None = None

    @property
    def registry(self) -> ModelRegistry:
        """The registry given, else a ``ModelRegistry()`` built on first use."""
        if self._registry is None:
            from hokusai.registry import ModelRegistry

            self._registry = ModelRegistry()
        return self._registry

    def _experiment(self) -> ExperimentRuns:
        if self._runs is None:
            self._runs = ExperimentRuns(self.registry, self.experiment_name)
        return self._runs

    def track_improvement(
        self,
        baseline_metrics: Mapping[str, float],
        improved_metrics: Mapping[str, float],
        data_contribution: Mapping[str, Any],
    ) -> tuple[dict[str, float], dict[str, Any]]:
        """The deltas (improved minus baseline) and an attestation of them, logged as a run.

        A failure to log is a warning, not an error, as it always was: the deltas are still
        returned.
        """
        self._validate_metrics(baseline_metrics)
        self._validate_metrics(improved_metrics)
        delta = self._calculate_delta(baseline_metrics, improved_metrics)
        attestation = self._generate_attestation(delta, data_contribution)
        self._log_improvement_to_mlflow(delta, attestation, data_contribution)
        return delta, attestation

    def _calculate_delta(
        self,
        baseline_metrics: Mapping[str, float],
        improved_metrics: Mapping[str, float],
        percentage: bool = False,
    ) -> dict[str, float]:
        delta: dict[str, float] = {}
        for name, before in baseline_metrics.items():
            if name not in improved_metrics:
                raise InvalidInputError(f"Metric '{name}' missing in improved metrics")
            change = improved_metrics[name] - before
            delta[name] = round(change, 6)
            if percentage and before != 0:
                delta[f"{name}_pct"] = round(change / before * 100, 2)
        return delta

    def _generate_attestation(
        self, delta: Mapping[str, float], data_contribution: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The attestation and its SHA-256 (``attestation_hash``); unsigned (see module doc)."""
        attestation: dict[str, Any] = {
            "version": ATTESTATION_VERSION,
            "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "delta_metrics": dict(delta),
            "contributor_info": {
                "id": data_contribution.get("contributor_id", "unknown"),
                "address": data_contribution.get("contributor_address", ""),
            },
            "data_contribution": {
                "dataset_hash": data_contribution.get("dataset_hash", ""),
                "data_size": data_contribution.get("data_size", 0),
                "quality_score": data_contribution.get("data_quality_score", 0),
            },
            "deltaone_value": self._generate_deltaone_value(delta),
        }
        digest = hashlib.sha256(json.dumps(attestation, sort_keys=True).encode()).hexdigest()
        attestation["attestation_hash"] = f"0x{digest}"
        attestation["signature"] = None
        warn_once(
            logger,
            "attestation-unsigned",
            "Attestations from PerformanceTracker are hashed but not signed (signature is None); "
            "the Hokusai platform signs improvements after registration.",
        )
        return attestation

    def log_contribution_impact(
        self, contributor_address: str, model_id: str, delta: Mapping[str, float]
    ) -> None:
        """Record a contributor's impact on a model as a run; errors raise."""
        impact = self._calculate_impact_score(delta)
        with self._experiment().run() as run:
            run.log(
                params={
                    "contributor_address": contributor_address,
                    "model_id": model_id,
                    "impact_score": impact,
                    "contribution_timestamp": datetime.now(timezone.utc).isoformat(),
                },
                metrics={
                    "contributor_impact_score": impact,
                    "total_improvement": sum(abs(v) for v in _numbers(delta)),
                },
            )

    def _calculate_impact_score(self, delta: Mapping[str, float]) -> float:
        """The mean absolute improvement."""
        values = [abs(v) for v in _numbers(delta)]
        return sum(values) / len(values) if values else 0.0

    def _generate_deltaone_value(self, delta: Mapping[str, float]) -> float:
        total = sum(
            change * DELTAONE_WEIGHTS[name] * 100
            for name, change in delta.items()
            if name in DELTAONE_WEIGHTS
        )
        return round(max(0.0, total), 2)

    def _validate_metrics(self, metrics: object) -> bool:
        if not isinstance(metrics, Mapping):
            raise InvalidInputError("Metrics must be a dictionary")
        if not metrics:
            raise InvalidInputError("Metrics cannot be empty")
        for key, value in metrics.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInputError(f"Metric '{key}' must be numeric, got {type(value)}")
        return True

    def _log_improvement_to_mlflow(
        self,
        delta: Mapping[str, float],
        attestation: Mapping[str, Any],
        data_contribution: Mapping[str, Any],
    ) -> None:
        try:
            with self._experiment().run() as run:
                run.log(
                    metrics={
                        f"{k}_improvement": v for k, v in delta.items() if not k.endswith("_pct")
                    },
                    params={
                        "contributor_id": data_contribution.get("contributor_id", "unknown"),
                        "dataset_hash": data_contribution.get("dataset_hash", ""),
                        "deltaone_value": attestation["deltaone_value"],
                    },
                )
                run.log_dict(attestation, "attestation.json")
        except HokusaiError as error:
            logger.warning("The improvement was not logged to the registry: %s", error)

    def _aggregate_impacts(self, impacts: list[Mapping[str, Any]]) -> dict[str, Any]:
        """Deltas summed by model, with the number of contributions to each."""
        aggregated: dict[str, Any] = {}
        for impact in impacts:
            model = aggregated.setdefault(
                impact["model"], {"total_improvement": 0, "contribution_count": 0, "metrics": {}}
            )
            for metric, value in impact["delta"].items():
                model["metrics"][metric] = model["metrics"].get(metric, 0) + value
            model["total_improvement"] = sum(abs(v) for v in model["metrics"].values())
            model["contribution_count"] += 1
        return aggregated

    def get_contributor_impact(self, contributor_address: str) -> dict[str, Any]:
        """The improved models the registry credits to ``contributor_address``.

        ``total_models_improved`` counts distinct model ids; ``total_improvement_score`` sums
        the absolute deltas; ``contributions`` lists each model's deltas, oldest first.
        """
        try:
            address = validation.contributor_address(contributor_address)
        except InvalidInputError:
            # Registrations only ever credit well-formed addresses: nothing can match.
            found = []
        else:
            found = self.registry.backend.search_versions(tags={TAG_CONTRIBUTOR: address})
        contributions: list[dict[str, Any]] = [
            {
                "model_id": entry.model_id,
                "model_type": entry.model_type or entry.name,
                "delta_metrics": dict(entry.delta_metrics or {}),
                "timestamp": entry.timestamp.isoformat() if entry.timestamp else None,
            }
            for entry in found
        ]
        times = [str(c["timestamp"]) for c in contributions if c["timestamp"]]
        deltas = [v for entry in found for v in _numbers(entry.delta_metrics or {})]
        return {
            "total_models_improved": len({c["model_id"] for c in contributions}),
            "total_improvement_score": sum(abs(v) for v in deltas),
            "contributions": contributions,
            "first_contribution": min(times) if times else None,
            "last_contribution": max(times) if times else None,
        }


def _numbers(values: Mapping[str, Any]) -> list[float]:
    return [
        float(v) for v in values.values() if isinstance(v, int | float) and not isinstance(v, bool)
    ]


__all__ = ["PerformanceTracker"]
