"""The records the fake registry keeps, and the JSON shapes MLflow's REST API gives them.

Field names follow MLflow's protobuf messages (``service.proto``, ``model_registry.proto``)
as the MLflow server serialises them, so the real ``MlflowClient`` parses them unchanged.
Each record also answers ``lookup(kind, key)`` for the search filters in ``fake_search``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


def now_ms() -> int:
    return int(time.time() * 1000)


def key_values(items: Mapping[str, str]) -> list[dict[str, str]]:
    """MLflow's ``[{"key": ..., "value": ...}]`` list for tags and params."""
    return [{"key": key, "value": value} for key, value in items.items()]


def _without_empty(payload: JsonDict) -> JsonDict:
    # Protobuf JSON omits unset fields; an empty string would read back as a set value.
    return {key: value for key, value in payload.items() if value not in (None, "")}


@dataclass
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    creation_time: int = field(default_factory=now_ms)
    last_update_time: int = field(default_factory=now_ms)
    lifecycle_stage: str = "active"
    tags: dict[str, str] = field(default_factory=dict)

    def touch(self) -> None:
        self.last_update_time = now_ms()

    def to_json(self) -> JsonDict:
        return {
            "experiment_id": self.experiment_id,
            "name": self.name,
            "artifact_location": self.artifact_location,
            "lifecycle_stage": self.lifecycle_stage,
            "creation_time": self.creation_time,
            "last_update_time": self.last_update_time,
            "tags": key_values(self.tags),
        }

    def lookup(self, kind: str, key: str) -> object:
        if kind == "tag":
            return self.tags.get(key)
        return getattr(self, key, None) if kind == "attribute" else None


@dataclass(frozen=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int = 0
    model_id: str = ""

    def to_json(self) -> JsonDict:
        return _without_empty(
            {
                "key": self.key,
                "value": self.value,
                "timestamp": self.timestamp,
                "step": self.step,
                "model_id": self.model_id,
            }
        )


@dataclass
class Run:
    run_id: str
    experiment_id: str
    run_name: str
    user_id: str
    artifact_uri: str
    start_time: int = field(default_factory=now_ms)
    end_time: int | None = None
    status: str = "RUNNING"
    lifecycle_stage: str = "active"
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metric_history: list[Metric] = field(default_factory=list)
    dataset_inputs: list[JsonDict] = field(default_factory=list)
    model_inputs: list[str] = field(default_factory=list)
    model_outputs: list[tuple[str, int]] = field(default_factory=list)

    def latest_metrics(self) -> dict[str, Metric]:
        # MLflow reports the value at the highest (step, timestamp) per key.
        latest: dict[str, Metric] = {}
        for metric in self.metric_history:
            current = latest.get(metric.key)
            if current is None or (metric.step, metric.timestamp) >= (
                current.step,
                current.timestamp,
            ):
                latest[metric.key] = metric
        return latest

    def info_json(self) -> JsonDict:
        return _without_empty(
            {
                "run_id": self.run_id,
                "run_uuid": self.run_id,
                "run_name": self.run_name,
                "experiment_id": self.experiment_id,
                "user_id": self.user_id,
                "status": self.status,
                "start_time": self.start_time,
                "end_time": self.end_time,
                "artifact_uri": self.artifact_uri,
                "lifecycle_stage": self.lifecycle_stage,
            }
        )

    def to_json(self) -> JsonDict:
        return {
            "info": self.info_json(),
            "data": {
                "metrics": [m.to_json() for m in self.latest_metrics().values()],
                "params": key_values(self.params),
                "tags": key_values(self.tags),
            },
            "inputs": {
                "dataset_inputs": list(self.dataset_inputs),
                "model_inputs": [{"model_id": model_id} for model_id in self.model_inputs],
            },
            "outputs": {
                "model_outputs": [
                    {"model_id": model_id, "step": step} for model_id, step in self.model_outputs
                ]
            },
        }

    def lookup(self, kind: str, key: str) -> object:
        if kind == "tag":
            return self.tags.get(key)
        if kind == "param":
            return self.params.get(key)
        if kind == "metric":
            metric = self.latest_metrics().get(key)
            return None if metric is None else metric.value
        return self.info_json().get(key)


@dataclass
class LoggedModel:
    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    source_run_id: str = ""
    model_type: str = ""
    status: str = "LOGGED_MODEL_PENDING"
    status_message: str = ""
    creation_timestamp_ms: int = field(default_factory=now_ms)
    last_updated_timestamp_ms: int = field(default_factory=now_ms)
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    def touch(self) -> None:
        self.last_updated_timestamp_ms = now_ms()

    def info_json(self) -> JsonDict:
        return _without_empty(
            {
                "model_id": self.model_id,
                "experiment_id": self.experiment_id,
                "name": self.name,
                "creation_timestamp_ms": self.creation_timestamp_ms,
                "last_updated_timestamp_ms": self.last_updated_timestamp_ms,
                "artifact_uri": self.artifact_location,
                "status": self.status,
                "model_type": self.model_type,
                "source_run_id": self.source_run_id,
                "status_message": self.status_message,
            }
        ) | {"tags": key_values(self.tags)}

    def to_json(self) -> JsonDict:
        return {
            "info": self.info_json(),
            "data": {"params": key_values(self.params), "metrics": []},
        }

    def lookup(self, kind: str, key: str) -> object:
        if kind == "tag":
            return self.tags.get(key)
        if kind == "param":
            return self.params.get(key)
        return self.info_json().get(key) if kind == "attribute" else None


@dataclass
class ModelVersion:
    name: str
    version: int
    source: str
    run_id: str = ""
    model_id: str = ""
    run_link: str = ""
    description: str = ""
    user_id: str = ""
    current_stage: str = "None"
    status: str = "READY"
    creation_timestamp: int = field(default_factory=now_ms)
    last_updated_timestamp: int = field(default_factory=now_ms)
    tags: dict[str, str] = field(default_factory=dict)

    def touch(self) -> None:
        self.last_updated_timestamp = now_ms()

    def to_json(self, aliases: list[str] | None) -> JsonDict:
        """The version as MLflow's SQL-backed server sends it.

        That server always sends ``description`` and ``run_link`` (``""`` when unset, which
        MLflow's client reads as ``""``, not ``None``) and never sends ``model_id``, which it
        does not keep on the version. It fills ``aliases`` only where it looks them up: get,
        get-by-alias and update (``aliases``); search results and a registered model's
        ``latest_versions`` carry none (``aliases=None``).
        """
        payload = _without_empty(
            {
                "name": self.name,
                "version": str(self.version),
                "creation_timestamp": self.creation_timestamp,
                "last_updated_timestamp": self.last_updated_timestamp,
                "user_id": self.user_id,
                "current_stage": self.current_stage,
                "source": self.source,
                "run_id": self.run_id,
                "status": self.status,
            }
        ) | {
            "description": self.description,
            "run_link": self.run_link,
            "tags": key_values(self.tags),
        }
        return payload if aliases is None else payload | {"aliases": aliases}

    def lookup(self, kind: str, key: str) -> object:
        if kind == "tag":
            return self.tags.get(key)
        if kind != "attribute":
            return None
        if key in ("version_number", "version"):
            return self.version
        if key == "source_path":
            return self.source
        return getattr(self, key, None)


@dataclass
class RegisteredModel:
    name: str
    description: str = ""
    creation_timestamp: int = field(default_factory=now_ms)
    last_updated_timestamp: int = field(default_factory=now_ms)
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    next_version: int = 1

    def touch(self) -> None:
        self.last_updated_timestamp = now_ms()

    def aliases_of(self, version: int) -> list[str]:
        return sorted(alias for alias, target in self.aliases.items() if target == version)

    def version_json(self, version: ModelVersion, *, with_aliases: bool = True) -> JsonDict:
        return version.to_json(self.aliases_of(version.version) if with_aliases else None)

    def latest_versions(self, stages: list[str] | None = None) -> list[ModelVersion]:
        """The newest version in each stage (all stages when ``stages`` is empty)."""
        wanted = {stage.lower() for stage in stages or []}
        latest: dict[str, ModelVersion] = {}
        for version in self.versions.values():
            stage = version.current_stage
            if wanted and stage.lower() not in wanted:
                continue
            if stage not in latest or version.version > latest[stage].version:
                latest[stage] = version
        return sorted(latest.values(), key=lambda v: v.version)

    def to_json(self) -> JsonDict:
        return _without_empty(
            {
                "name": self.name,
                "creation_timestamp": self.creation_timestamp,
                "last_updated_timestamp": self.last_updated_timestamp,
                "description": self.description,
            }
        ) | {
            "latest_versions": [
                self.version_json(v, with_aliases=False) for v in self.latest_versions()
            ],
            "tags": key_values(self.tags),
            "aliases": [
                {"alias": alias, "version": str(version)}
                for alias, version in sorted(self.aliases.items())
            ],
        }

    def lookup(self, kind: str, key: str) -> object:
        if kind == "tag":
            return self.tags.get(key)
        return getattr(self, key, None) if kind == "attribute" and key != "versions" else None
