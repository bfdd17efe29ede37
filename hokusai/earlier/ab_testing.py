"""The earlier SDK's A/B testing: split traffic between models and compare what they scored.

Everything lives in this process (no registry calls): a ``ModelTrafficRouter`` assigns each user
to a model deterministically (the same assignment the earlier SDK made) and collects the
metrics the caller records. ``get_ab_test_results`` compares the two models of a binary test
with a real statistic: ``confidence_level`` is one minus the two-sided p-value of Welch's test
(normal approximation) on accuracy; the earlier SDK's was ``min(0.95, 10 x improvement)``.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from hokusai.errors import HokusaiError

# A winner needs accuracy this much better (relative) and this confident.
MIN_IMPROVEMENT = 0.01
MIN_CONFIDENCE = 0.95


class ABTestException(HokusaiError, ValueError):
    """An A/B test is misconfigured, unknown or expired."""

    default_hint = ""


@dataclass
class TrafficSplit:
    """Shares of traffic by model; each in [0, 1], summing to 1."""

    splits: dict[str, float]

    def __post_init__(self) -> None:
        total = sum(self.splits.values())
        if abs(total - 1.0) > 0.001:
            raise ABTestException(f"Traffic split must sum to 1.0, got {total}")
        if any(not 0 <= share <= 1 for share in self.splits.values()):
            raise ABTestException("Traffic split values must be between 0 and 1")


@dataclass
class ABTestConfig:
    """A binary test (``model_a``, ``model_b``, split keys ``model_a``/``model_b``) or a
    multi-variant one (``models``, split keyed by model)."""

    test_id: str
    traffic_split: dict[str, float]
    duration_hours: int = 24
    model_a: str | None = None
    model_b: str | None = None
    models: list[str] | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def __post_init__(self) -> None:
        binary = bool(self.model_a and self.model_b)
        if binary and self.models:
            raise ABTestException("Cannot specify both binary and multi-variant models")
        if binary:
            self.models = [str(self.model_a), str(self.model_b)]
            if set(self.traffic_split) != {"model_a", "model_b"}:
                raise ABTestException(
                    "Traffic split keys must be 'model_a' and 'model_b' for binary test"
                )
        elif self.models:
            if self.model_a or self.model_b:
                raise ABTestException("Cannot specify both binary and multi-variant models")
            self.traffic_split = self._keyed_by_model(self.models, self.traffic_split)
        else:
            raise ABTestException(
                "Must specify either binary (model_a, model_b) or multi-variant (models)"
            )
        TrafficSplit(self.traffic_split)

    @staticmethod
    def _keyed_by_model(models: list[str], split: dict[str, float]) -> dict[str, float]:
        if set(split) == set(models):
            return split
        if len(models) == 2 and {"model_a", "model_b"} <= set(split):
            return {models[0]: split["model_a"], models[1]: split["model_b"]}
        raise ABTestException(f"Traffic split keys must match models: {set(models)}")

    def is_expired(self) -> bool:
        created = self.created_at
        if created.tzinfo is None:  # the earlier SDK's naive UTC timestamps
            created = created.replace(tzinfo=timezone.utc)
        return datetime.now(timezone.utc) > created + timedelta(hours=self.duration_hours)


@dataclass
class ABTestResult:
    test_id: str
    model_a: str
    model_b: str
    metrics_comparison: dict[str, dict[str, float]]
    winner: str | None = None
    confidence_level: float = 0.0
    total_requests: dict[str, int] = field(default_factory=dict)


def welch_confidence(values_a: list[float], values_b: list[float]) -> float:
    """One minus the two-sided p-value that the means differ (Welch, normal approximation);
    0.0 when either side has fewer than two samples."""
    if len(values_a) < 2 or len(values_b) < 2:
        return 0.0
    spread = statistics.variance(values_a) / len(values_a)
    spread += statistics.variance(values_b) / len(values_b)
    diff = statistics.mean(values_b) - statistics.mean(values_a)
    if spread == 0:
        return 1.0 if diff else 0.0
    z = abs(diff) / math.sqrt(spread)
    return 2 * statistics.NormalDist().cdf(z) - 1


class ModelTrafficRouter:
    """Routes users between the models of active tests and keeps the metrics recorded for them."""

    def __init__(self) -> None:
        self.active_tests: dict[str, ABTestConfig] = {}
        self.test_metrics: dict[str, dict[str, list[float]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.request_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def create_ab_test(self, config: ABTestConfig) -> str:
        if config.test_id in self.active_tests:
            raise ABTestException(f"Test {config.test_id} already exists")
        self.active_tests[config.test_id] = config
        return config.test_id

    def route_request(self, test_id: str, user_id: str) -> str:
        """The model ``user_id`` is assigned to: the same one on every call."""
        test = self.get_active_test(test_id)
        if not test or not test.models:
            raise ABTestException(f"No active test found: {test_id}")
        # MD5 as the earlier SDK used it, so users keep the model they were assigned.
        digest = hashlib.md5(f"{test_id}:{user_id}".encode(), usedforsecurity=False).hexdigest()
        point = (int(digest, 16) % 10000) / 10000.0
        shares = (
            [(str(test.model_a), test.traffic_split.get("model_a", 0.5)), (str(test.model_b), 1.0)]
            if test.model_a and test.model_b
            else [(m, test.traffic_split.get(m, 0.0)) for m in test.models]
        )
        selected, cumulative = test.models[-1], 0.0
        for model, share in shares:
            cumulative += share
            if point < cumulative:
                selected = model
                break
        self.request_counts[test_id][selected] += 1
        return selected

    def get_active_test(self, test_id: str) -> ABTestConfig | None:
        """The test, or None when it is unknown or has expired (an expired test is stopped)."""
        test = self.active_tests.get(test_id)
        if test is not None and test.is_expired():
            self.stop_ab_test(test_id)
            return None
        return test

    def stop_ab_test(self, test_id: str) -> None:
        self.active_tests.pop(test_id, None)

    def record_metric(self, test_id: str, model_id: str, metric_name: str, value: float) -> None:
        """Keep one observation; ignored for a test that is not active, as before."""
        if test_id in self.active_tests:
            self.test_metrics[test_id][f"{model_id}:{metric_name}"].append(float(value))

    def get_test_metrics(self, test_id: str) -> dict[str, dict[str, list[float]]]:
        """Observations by model, then metric."""
        result: dict[str, dict[str, list[float]]] = defaultdict(dict)
        for key, values in self.test_metrics.get(test_id, {}).items():
            model_id, metric_name = key.split(":", 1)
            result[model_id][metric_name] = values
        return dict(result)

    def get_ab_test_results(self, test_id: str) -> ABTestResult:
        """Per-metric means of a binary test's models; the winner is the model whose accuracy
        is at least 1% better with at least 95% confidence, else None."""
        test = self.active_tests.get(test_id)
        if not test:
            raise ABTestException(f"Test {test_id} not found")
        if not (test.model_a and test.model_b):
            raise ABTestException("Results only available for binary tests currently")
        a, b = test.model_a, test.model_b
        metrics = self.get_test_metrics(test_id)
        comparison: dict[str, dict[str, float]] = {}
        for name in sorted(set(metrics.get(a, {})) | set(metrics.get(b, {}))):
            values_a, values_b = metrics.get(a, {}).get(name, []), metrics.get(b, {}).get(name, [])
            if values_a and values_b:
                mean_a, mean_b = statistics.mean(values_a), statistics.mean(values_b)
                comparison[name] = {
                    "mean_a": mean_a,
                    "mean_b": mean_b,
                    "improvement": (mean_b - mean_a) / mean_a if mean_a else 0.0,
                    "samples_a": len(values_a),
                    "samples_b": len(values_b),
                    "confidence": welch_confidence(values_a, values_b),
                }
        winner, confidence = _winner(a, b, comparison.get("accuracy"))
        return ABTestResult(
            test_id=test_id,
            model_a=a,
            model_b=b,
            metrics_comparison=comparison,
            winner=winner,
            confidence_level=confidence,
            total_requests=dict(self.request_counts.get(test_id, {})),
        )

    def list_active_tests(self) -> list[str]:
        """Ids of the tests still running (expired ones are stopped first)."""
        return [t for t in list(self.active_tests) if self.get_active_test(t) is not None]

    def update_traffic_split(self, test_id: str, new_split: Mapping[str, float]) -> None:
        test = self.get_active_test(test_id)
        if not test:
            raise ABTestException(f"Test {test_id} not found or expired")
        TrafficSplit(dict(new_split))
        test.traffic_split = dict(new_split)


def _winner(a: str, b: str, accuracy: Mapping[str, float] | None) -> tuple[str | None, float]:
    if accuracy is None:
        return None, 0.0
    confidence = accuracy["confidence"]
    if confidence < MIN_CONFIDENCE or abs(accuracy["improvement"]) < MIN_IMPROVEMENT:
        return None, confidence
    return (b if accuracy["improvement"] > 0 else a), confidence


__all__ = [
    "ABTestConfig",
    "ABTestException",
    "ABTestResult",
    "ModelTrafficRouter",
    "TrafficSplit",
    "welch_confidence",
]
