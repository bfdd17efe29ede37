"""The earlier SDK's ``ExperimentManager``: experiments that test model improvements.

It records runs on a ``ModelRegistry``'s registry through ``registry.client`` (never MLflow's
process-wide tracking URI), loads the compared models from that registry, and computes real
metrics. What the earlier one did that this one does not: it switched to a "mock mode" whose
comparisons returned made-up metrics and run ids (``HOKUSAI_MOCK_MODE``, or
``HOKUSAI_OPTIONAL_MLFLOW`` when the server was unreachable). Here mode ``mock`` raises
``ConfigurationError`` naming mode ``local`` (real runs in a store on this machine), and an
unreachable registry raises ``RegistryUnavailableError``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from hokusai.earlier.runs import DEFAULT_EXPERIMENT, ExperimentRun, ExperimentRuns
from hokusai.errors import ConfigurationError, InvalidInputError, ModelNotFoundError

if TYPE_CHECKING:
    from hokusai.registry import ModelRegistry

logger = logging.getLogger(__name__)

Recommendation = str  # "ACCEPT", "REVIEW" or "REJECT"


class ExperimentManager:
    """Create improvement experiments, compare a candidate model with its baseline, and list
    what was compared.

    ``ExperimentManager(registry)``, ``ExperimentManager("my_exp", registry=registry)`` or
    ``ExperimentManager("my_exp")`` (a ``ModelRegistry()`` configured as usual, on
    ``mlflow_tracking_uri`` when given). Nothing is sent until a method needs it.
    """

    VALID_METRICS: ClassVar[list[str]] = ["accuracy", "auroc", "f1_score", "precision", "recall"]

    def __init__(
        self,
        experiment_name: str | ModelRegistry = DEFAULT_EXPERIMENT,
        mlflow_tracking_uri: str | None = None,
        registry: ModelRegistry | None = None,
    ) -> None:
        from hokusai.registry import ModelRegistry

        if isinstance(experiment_name, ModelRegistry):
            registry, experiment_name = experiment_name, DEFAULT_EXPERIMENT
        elif not isinstance(experiment_name, str) or not experiment_name.strip():
            raise InvalidInputError(
                "The first argument must be an experiment name or a ModelRegistry, got "
                f"{type(experiment_name).__name__}.",
                parameter_name="experiment_name",
            )
        if registry is not None and mlflow_tracking_uri not in (None, registry.tracking_uri):
            raise InvalidInputError(
                f"mlflow_tracking_uri {mlflow_tracking_uri!r} is not the registry's "
                f"({registry.tracking_uri!r}).",
                parameter_name="mlflow_tracking_uri",
                hint="Pass one: the registry, or the URI (a ModelRegistry is then built on it).",
            )
        self._owns_registry = registry is None
        self.registry = registry or ModelRegistry(mlflow_tracking_uri)
        self.experiment_name = experiment_name
        self._runs = ExperimentRuns(self.registry, experiment_name)

    @property
    def tracking_uri(self) -> str:
        return self.registry.tracking_uri

    @property
    def mock_mode(self) -> bool:
        """Always False in use: in mode mock every method raises ``ConfigurationError``."""
        return self.registry.backend.target == "mock"

    def close(self) -> None:
        """Close the registry this manager built (one passed in is the caller's to close)."""
        if self._owns_registry:
            self.registry.close()

    def __enter__(self) -> ExperimentManager:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start_experiment(self, experiment_name: str) -> AbstractContextManager[ExperimentRun]:
        """A run in ``experiment_name``, finished when the ``with`` block ends.

        Log to it through the yielded run (``run.log_metric(...)``, ``run.run_id``):
        ``mlflow.log_metric`` inside the block would go to MLflow's global tracking URI, not
        to this registry.
        """
        return ExperimentRuns(self.registry, experiment_name).run()

    def create_improvement_experiment(
        self, baseline_model_id: str, contributed_data: Mapping[str, Any]
    ) -> str:
        """Start and finish a run describing the experiment; returns its run id."""
        metadata = dict(contributed_data.get("metadata") or {})
        with self._runs.run() as run:
            run.log(
                params={
                    "baseline_model_id": baseline_model_id,
                    "contributed_data_hash": metadata.get("dataset_hash", "unknown"),
                    "contributed_data_size": len(contributed_data.get("features", [])),
                    "experiment_type": "model_improvement",
                    "created_at": datetime.now(timezone.utc).isoformat(),
                },
                tags={
                    "experiment_type": "model_improvement",
                    "baseline_model": baseline_model_id,
                    "contributor_id": metadata.get("contributor_id", "unknown"),
                },
            )
        logger.info("Created improvement experiment %s", run.run_id)
        return run.run_id

    def compare_models(
        self, baseline_id: str, candidate_id: str, test_data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Predict ``test_data["features"]`` with both models, score against
        ``test_data["labels"]``, log the scores as a run, and recommend.

        A model is named by its Hokusai ``model_id``, by ``name/version``, or by a
        ``models:/name/version`` URI. Metrics need scikit-learn (the ``[sklearn]`` extra); one
        that cannot be computed for these labels is left out rather than reported as 0.
        """
        self.registry.client  # noqa: B018 (mode mock has none: say so before any lookup)
        baseline = self._load(baseline_id)
        candidate = self._load(candidate_id)
        features, labels = test_data["features"], test_data["labels"]
        baseline_metrics = self._calculate_metrics(labels, baseline.predict(features))
        candidate_metrics = self._calculate_metrics(labels, candidate.predict(features))
        improvements = {
            name: candidate_metrics[name] - baseline_metrics[name]
            for name in baseline_metrics
            if name in candidate_metrics
        }
        recommendation = self._determine_recommendation(improvements)
        dataset = test_data.get("dataset_name", "unknown")
        with self._runs.run() as run:
            self._log_comparison_results(baseline_metrics, candidate_metrics, improvements, run)
            run.log(
                params={
                    "baseline_model_id": baseline_id,
                    "candidate_model_id": candidate_id,
                    "test_dataset": dataset,
                },
                tags={"recommendation": recommendation, "experiment_type": "model_comparison"},
            )
        logger.info("Model comparison complete. Recommendation: %s", recommendation)
        return {
            "baseline_metrics": baseline_metrics,
            "candidate_metrics": candidate_metrics,
            "improvements": improvements,
            "recommendation": recommendation,
            "test_dataset": dataset,
            "run_id": run.run_id,
        }

    def get_experiment_history(self, baseline_model_id: str | None = None) -> list[dict[str, Any]]:
        """The experiment's runs, newest first, optionally only those for one baseline."""
        query = ""
        if baseline_model_id is not None:
            if "'" in baseline_model_id or "\\" in baseline_model_id:
                raise InvalidInputError(
                    f"baseline_model_id {baseline_model_id!r} holds a quote or backslash, which "
                    "MLflow's search cannot match.",
                    parameter_name="baseline_model_id",
                )
            query = f"params.baseline_model_id = '{baseline_model_id}'"
        return [
            {
                "run_id": run.info.run_id,
                "baseline_model": run.data.params.get("baseline_model_id"),
                "improvement": run.data.metrics.get("accuracy_improvement", 0),
                "recommendation": run.data.tags.get("recommendation", "unknown"),
                "timestamp": datetime.fromtimestamp(run.info.start_time / 1000, timezone.utc),
            }
            for run in self._runs.search(query)
        ]

    def _load(self, reference: str) -> Any:
        """The model ``reference`` names, loaded from this registry."""
        try:
            entry = self.registry.get_model_by_id(reference)
            return self.registry.load_model(entry.name, str(entry.version))
        except ModelNotFoundError:
            path = reference.removeprefix("models:/")
            if "/" not in path:
                raise
        name, version = path.rsplit("/", 1)
        return self.registry.load_model(name, version)

    def _calculate_metrics(
        self, y_true: Any, y_pred: Any, threshold: float = 0.5
    ) -> dict[str, float]:
        try:
            import numpy as np
            from sklearn import metrics as sk
        except ImportError as exc:
            raise ConfigurationError(
                "Comparing models needs scikit-learn.",
                hint="pip install 'hokusai-ml-platform[sklearn]'",
            ) from exc
        predicted = np.asarray(y_pred).ravel()
        truth = np.asarray(y_true).ravel()
        scores = predicted.dtype.kind == "f" and predicted.size and predicted.max() <= 1.0
        labels = (predicted >= threshold).astype(int) if scores else predicted
        candidates: dict[str, Callable[[], Any]] = {
            "accuracy": lambda: sk.accuracy_score(truth, labels),
            "f1_score": lambda: sk.f1_score(truth, labels, average="weighted"),
            "precision": lambda: sk.precision_score(truth, labels, average="weighted"),
            "recall": lambda: sk.recall_score(truth, labels, average="weighted"),
        }
        if scores:
            candidates["auroc"] = lambda: sk.roc_auc_score(truth, predicted)
        found: dict[str, float] = {}
        for name, compute in candidates.items():
            try:
                found[name] = float(compute())
            except ValueError as exc:
                logger.info("Metric %s left out: %s", name, exc)
        return found

    def _determine_recommendation(
        self, improvements: Mapping[str, float], threshold: float = 0.01
    ) -> Recommendation:
        """REJECT on any regression beyond ``threshold``; ACCEPT on two or more improvements
        beyond it, REVIEW on one, else REJECT."""
        better = sum(1 for v in improvements.values() if v > threshold)
        if any(v < -threshold for v in improvements.values()):
            return "REJECT"
        return "ACCEPT" if better >= 2 else "REVIEW" if better == 1 else "REJECT"

    def _log_comparison_results(
        self,
        baseline_metrics: Mapping[str, float],
        candidate_metrics: Mapping[str, float],
        improvements: Mapping[str, float],
        run: ExperimentRun,
    ) -> None:
        run.log_metrics(
            {
                **{f"baseline_{k}": v for k, v in baseline_metrics.items()},
                **{f"candidate_{k}": v for k, v in candidate_metrics.items()},
                **{f"{k}_improvement": v for k, v in improvements.items()},
            }
        )

    def _validate_config(self, config: Mapping[str, Any]) -> bool:
        if "test_size" in config and not 0 < config["test_size"] < 1:
            raise InvalidInputError("test_size must be between 0 and 1")
        for metric in config.get("metrics", []):
            if metric not in self.VALID_METRICS:
                raise InvalidInputError(f"Invalid metric: {metric}")
        return True

    def _format_report(self, comparison_result: Mapping[str, Any]) -> str:
        lines = ["Model Comparison Report", "=" * 50, ""]
        for title, key in (
            ("Baseline Model Metrics:", "baseline_metrics"),
            ("Candidate Model Metrics:", "candidate_metrics"),
        ):
            lines.append(title)
            lines += [f"  {m}: {v:.4f}" for m, v in comparison_result[key].items()]
            lines.append("")
        lines.append("Improvements:")
        lines += [
            f"  {m}: {'+' if v > 0 else ''}{v:.4f}"
            for m, v in comparison_result["improvements"].items()
        ]
        lines += ["", f"Recommendation: {comparison_result['recommendation']}"]
        return "\n".join(lines)


__all__ = ["ExperimentManager"]
