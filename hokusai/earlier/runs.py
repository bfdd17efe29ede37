"""Runs in a named experiment, through a registry's own ``MlflowClient``.

The earlier tracking classes used MLflow's fluent API (``mlflow.set_tracking_uri``,
``mlflow.start_run``), which is process-global: the key and URI of one registry leaked into
every other MLflow call of the process. Here every call goes through ``registry.client``, which
carries that registry's key to that registry only, and MLflow's errors become the SDK's typed
ones (``AuthenticationError``, ``RegistryUnavailableError``, ...).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from hokusai.registry import ModelRegistry

DEFAULT_EXPERIMENT = "hokusai_model_improvements"


@contextmanager
def typed(registry: ModelRegistry, action: str) -> Iterator[None]:
    """MLflow's exceptions inside the block, raised as the SDK's typed errors."""
    from hokusai.errors import HokusaiError, LocalStoreError, ModelNotFoundError
    from hokusai.transport import http_trace
    from hokusai.transport.classify import ErrorContext, from_mlflow

    with http_trace.traced() as log:
        try:
            yield
        except HokusaiError:
            raise
        except Exception as exc:
            creds = registry.config.credentials
            ctx = ErrorContext(registry.tracking_uri, creds.source, creds.masked, action)
            error = from_mlflow(exc, log.last_error, ctx)
            if registry.backend.target == "local" and not isinstance(error, ModelNotFoundError):
                error = LocalStoreError(
                    f"The local store failed while {action}: {exc}", uri=registry.tracking_uri
                )
            raise error from exc


@dataclass
class ExperimentRun:
    """A run being recorded: its id, and the calls that write to it (parameters, metrics and
    tags, sent at once)."""

    run_id: str
    registry: ModelRegistry

    @property
    def client(self) -> MlflowClient:
        return self.registry.client

    def log_params(self, params: Mapping[str, object]) -> None:
        self.log(params=params)

    def log_param(self, key: str, value: object) -> None:
        self.log(params={key: value})

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        self.log(metrics=metrics)

    def log_metric(self, key: str, value: float) -> None:
        self.log(metrics={key: value})

    def set_tags(self, tags: Mapping[str, object]) -> None:
        self.log(tags=tags)

    def set_tag(self, key: str, value: object) -> None:
        self.log(tags={key: value})

    def log(
        self,
        *,
        params: Mapping[str, object] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, object] | None = None,
    ) -> None:
        from mlflow.entities import Metric, Param, RunTag

        now = int(time.time() * 1000)
        with typed(self.registry, f"logging to run {self.run_id}"):
            self.client.log_batch(
                self.run_id,
                metrics=[Metric(k, float(v), now, 0) for k, v in (metrics or {}).items()],
                params=[Param(k, str(v)) for k, v in (params or {}).items()],
                tags=[RunTag(k, str(v)) for k, v in (tags or {}).items()],
            )

    def log_dict(self, dictionary: Mapping[str, Any], artifact_file: str) -> None:
        with typed(self.registry, f"uploading {artifact_file} to run {self.run_id}"):
            self.client.log_dict(self.run_id, dict(dictionary), artifact_file)


class ExperimentRuns:
    """Runs of the experiment ``name`` on ``registry`` (created on first use)."""

    def __init__(self, registry: ModelRegistry, name: str = DEFAULT_EXPERIMENT) -> None:
        self.registry = registry
        self.name = name
        self._experiment_id: str | None = None

    @property
    def client(self) -> MlflowClient:
        return self.registry.client

    def experiment_id(self) -> str:
        with typed(self.registry, f"opening experiment {self.name!r}"):
            return self._find_or_create()

    def _find_or_create(self) -> str:
        if self._experiment_id is None:
            found = self.client.get_experiment_by_name(self.name)
            if found is None:
                try:
                    self._experiment_id = str(self.client.create_experiment(self.name))
                except Exception:
                    # Another process made it meanwhile: use theirs.
                    again = self.client.get_experiment_by_name(self.name)
                    if again is None:
                        raise
                    self._experiment_id = str(again.experiment_id)
            else:
                self._experiment_id = str(found.experiment_id)
        return self._experiment_id

    @contextmanager
    def run(self, run_name: str | None = None) -> Iterator[ExperimentRun]:
        """A new run, finished (or marked failed) when the block ends."""
        tags = {"mlflow.runName": run_name} if run_name else None
        experiment = self.experiment_id()
        with typed(self.registry, f"starting a run in experiment {self.name!r}"):
            created = self.client.create_run(experiment, tags=tags)
        run = ExperimentRun(created.info.run_id, self.registry)
        try:
            yield run
        except BaseException:
            # The block's own error is the one to see; marking the run failed is best effort.
            with suppress(Exception):
                self.client.set_terminated(run.run_id, status="FAILED")
            raise
        with typed(self.registry, f"ending run {run.run_id}"):
            self.client.set_terminated(run.run_id, status="FINISHED")

    def search(self, filter_string: str = "") -> list[Any]:
        """Every run of the experiment matching ``filter_string``, newest first."""
        experiment = self.experiment_id()
        with typed(self.registry, f"searching the runs of experiment {self.name!r}"):
            return self._all_pages(experiment, filter_string)

    def _all_pages(self, experiment: str, filter_string: str) -> list[Any]:
        runs: list[Any] = []
        token: str | None = None
        while True:
            page = self.client.search_runs(
                [experiment],
                filter_string=filter_string,
                order_by=["attributes.start_time DESC"],
                page_token=token,
            )
            runs.extend(page)
            token = page.token
            if not token:
                return runs


__all__ = ["DEFAULT_EXPERIMENT", "ExperimentRun", "ExperimentRuns"]
