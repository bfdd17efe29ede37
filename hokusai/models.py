"""The values the registry hands back and takes in."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

Target = Literal["remote", "local", "mock", "skipped"]

# Tag keys the platform has always written on model versions; other Hokusai services read them.
TAG_MODEL_ID = "model_id"
TAG_MODEL_TYPE = "model_type"
TAG_IS_BASELINE = "is_baseline"
TAG_BASELINE_ID = "baseline_id"
TAG_METRICS = "metrics"
TAG_DELTA_METRICS = "delta_metrics"
TAG_CONTRIBUTOR = "contributor_address"
TAG_TIMESTAMP = "timestamp"
TAG_METADATA = "metadata"
TAG_TOKEN_ID = "hokusai_token_id"  # noqa: S105 (a tag name, not a secret)
TAG_BENCHMARK_METRIC = "benchmark_metric"
TAG_BENCHMARK_VALUE = "benchmark_value"
# Written at creation, inside the same request, so a retried or re-synced registration can be
# recognised on the server and never becomes a second version.
TAG_IDEMPOTENCY_KEY = "hokusai.idempotency_key"
TAG_LOGGED_MODEL_ID = "hokusai.logged_model_id"


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files are before registration: a local MLflow model directory or a URI."""

    local_dir: Path | None = None
    uri: str | None = None
    flavor: str = "pyfunc"

    def describe(self) -> str:
        return str(self.local_dir) if self.local_dir else str(self.uri)


@dataclass(frozen=True)
class RegistrationRequest:
    """A validated registration, ready for any backend. Built before any network call."""

    name: str
    source: ModelSource
    tags: Mapping[str, str]
    idempotency_key: str
    description: str | None = None
    alias: str | None = None

    @property
    def metrics(self) -> dict[str, float]:
        """The version's metrics (its ``metrics`` tag): also logged on the registration run."""
        return metrics_from_tags(self.tags)


@dataclass(frozen=True)
class ModelRegistryEntry:
    """One registered model version, and where it went.

    ``target`` is ``remote`` (the hosted registry), ``local`` (the local store, after a
    fallback or in local mode), ``mock`` (the in-memory registry) or ``skipped`` (optional mode,
    nothing registered; ``reason`` says why). ``tracking_uri`` never holds credentials.
    """

    name: str
    version: str | None
    target: Target
    tracking_uri: str
    model_id: str | None = None
    run_id: str | None = None
    source: str | None = None
    logged_model_id: str | None = None
    reason: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    idempotency_key: str | None = None
    pending_sync: bool = False

    # The platform's older entry fields, derived from tags so there is one source of truth.
    @property
    def mlflow_version(self) -> str | None:
        return self.version

    @property
    def model_type(self) -> str | None:
        return self.tags.get(TAG_MODEL_TYPE)

    @property
    def is_baseline(self) -> bool:
        return self.tags.get(TAG_IS_BASELINE) == "true"

    @property
    def baseline_id(self) -> str | None:
        return self.tags.get(TAG_BASELINE_ID) or None

    @property
    def contributor_address(self) -> str | None:
        return self.tags.get(TAG_CONTRIBUTOR) or None

    @property
    def metrics(self) -> dict[str, float]:
        return _json_tag(self.tags, TAG_METRICS)

    @property
    def delta_metrics(self) -> dict[str, float]:
        return _json_tag(self.tags, TAG_DELTA_METRICS)

    @property
    def timestamp(self) -> datetime | None:
        raw = self.tags.get(TAG_TIMESTAMP)
        return datetime.fromisoformat(raw) if raw else None

    @property
    def registered(self) -> bool:
        return self.target != "skipped"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = dict(self.tags)
        data["aliases"] = list(self.aliases)
        return data

    def __getitem__(self, key: str) -> Any:
        """``entry["version"]``: the dict the platform's ``register_tokenized_model`` returned."""
        legacy = {
            "model_name": self.name,
            "token_id": self.tags.get(TAG_TOKEN_ID),
            "metric_name": self.tags.get(TAG_BENCHMARK_METRIC),
            "baseline_value": _float_or_none(self.tags.get(TAG_BENCHMARK_VALUE)),
        }
        if key in legacy:
            return legacy[key]
        data = self.as_dict()
        if key not in data:
            raise KeyError(key)
        return data[key]


def _json_tag(tags: Mapping[str, str], key: str) -> dict[str, float]:
    raw = tags.get(key)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return dict(value) if isinstance(value, dict) else {}


def metrics_from_tags(tags: Mapping[str, str]) -> dict[str, float]:
    """The finite numbers in the JSON ``metrics`` tag: one source for the version and its run."""
    return {
        str(name): float(value)
        for name, value in _json_tag(tags, TAG_METRICS).items()
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    }


def _float_or_none(raw: str | None) -> float | None:
    return float(raw) if raw is not None else None


@dataclass(frozen=True)
class ModelLineage:
    """A model and its ancestors, oldest first."""

    model_id: str
    entries: list[ModelRegistryEntry]
    total_improvement: float = 0.0


Verdict = Literal["ok", "unreachable", "rejected"]


@dataclass(frozen=True)
class ProbeResult:
    """What the last connectivity check of the remote registry found."""

    verdict: Verdict
    latency_ms: float | None = None
    status: int | None = None
    reason: str | None = None
    checked_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass(frozen=True)
class RegistryStatus:
    """``registry.status()``: how a registry is configured and what it last saw. No secrets."""

    mode: str
    target: str
    remote_uri: str
    local_uri: str
    key_source: str | None
    masked_key: str | None
    last_probe: ProbeResult | None
    pending_registrations: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
