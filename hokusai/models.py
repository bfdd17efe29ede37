"""The values the registry hands back and takes in."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from hokusai.errors import mask_keys

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
TAG_MODEL_VERSION = "version"  # the model's own version (a HokusaiModel's .version)
TAG_METADATA = "metadata"
TAG_TOKEN_ID = "hokusai_token_id"  # noqa: S105 (a tag name, not a secret)
TAG_BENCHMARK_METRIC = "benchmark_metric"
TAG_BENCHMARK_VALUE = "benchmark_value"
TAG_STATUS = "hokusai_status"
TAG_PROPOSAL_ID = "hokusai_proposal_identifier"
TAG_MLFLOW_RUN_ID = "mlflow_run_id"
TAG_LIFECYCLE_STAGE = "lifecycle_stage"
# What a tokenized model is measured by: written on the version and sent in its registration event.
TAG_EVAL_SPEC = "eval_spec"
TAG_SCORER_REF = "scorer_ref"
TAG_PRIMARY_METRIC = "primary_metric"
TAG_BENCHMARK_SPEC_ID = "benchmark_spec_id"
MEASUREMENT_TAGS = (TAG_EVAL_SPEC, TAG_SCORER_REF, TAG_PRIMARY_METRIC, TAG_BENCHMARK_SPEC_ID)
# Written at creation, inside the same request, so a retried or re-synced registration can be
# recognised on the server and never becomes a second version.
INTERNAL_TAG_PREFIX = "hokusai."
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


EventStatus = Literal["succeeded", "failed", "skipped", "queued"]


@dataclass(frozen=True)
class EventOutcome:
    """What became of a tokenized registration's event to the Hokusai site.

    ``succeeded``: the data pipeline API took it. ``failed``: it did not, under
    ``best_effort_notification`` (``error`` says why; the model is registered all the same).
    ``skipped``: not sent (``notify_site=False``, or the version is not on the hosted registry;
    ``detail`` says which). ``queued``: registered in the local store during an outage; ``hokusai
    sync`` sends it once the model is pushed.
    """

    status: EventStatus
    detail: str | None = None
    error: str | None = None

    @property
    def emitted(self) -> bool:
        return self.status == "succeeded"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "emitted": self.emitted}


@dataclass(frozen=True)
class RegistrationRequest:
    """A validated registration, ready for any backend. Built before any network call."""

    name: str
    source: ModelSource
    tags: Mapping[str, str]
    idempotency_key: str
    description: str | None = None
    alias: str | None = None
    # The key was made for this call (the caller gave none): until a first attempt has been
    # sent, no version can hold it, so there is nothing to look up before creating.
    fresh_key: bool = False
    # A registration event to send once the version is on the hosted registry: kept with the
    # pending record when the registration falls back (hokusai.platform.registration_event).
    event: Mapping[str, Any] | None = None

    @property
    def metrics(self) -> dict[str, float]:
        """The version's metrics (its ``metrics`` tag): also logged on the registration run."""
        return metrics_from_tags(self.tags)


@dataclass(frozen=True, init=False)
class ModelRegistryEntry(Mapping[str, Any]):
    """One registered model version, and where it went.

    ``version`` is the registry's version number (``"3"``); ``model_version`` is the model's own
    version (a ``HokusaiModel``'s ``.version``, e.g. ``"1.0.0"``) when it had one. ``target`` is
    ``remote`` (the hosted registry), ``local`` (the local store, after a fallback or in local
    mode), ``mock`` (the in-memory registry) or ``skipped`` (optional mode, nothing registered;
    ``reason`` says why; also an entry built by hand without ``target=``). ``tracking_uri``
    never holds credentials (a password, token or key in it is masked).

    The platform's fields (``model_type``, ``is_baseline``, ``metrics``, ...) are read
    from ``tags``, the one source of truth. The entry also reads as the dict the earlier SDK
    returned from ``register_tokenized_model`` and put in lineages: ``entry["token_id"]``.

    Built by the earlier SDK's keywords (no ``name=``), ``version=`` is the model's own version
    and ``mlflow_version=`` the registry's number, as they were::

        ModelRegistryEntry(model_id="m1", model_type="churn", version="1.0.0", mlflow_version="3")
        # .name == "churn", .version == "3", .model_version == "1.0.0"
    """

    name: str
    version: str | None
    target: Target
    tracking_uri: str
    model_id: str | None
    run_id: str | None
    source: str | None
    logged_model_id: str | None
    reason: str | None
    tags: Mapping[str, str]
    aliases: tuple[str, ...]
    idempotency_key: str | None
    pending_sync: bool
    # Set by register_tokenized_model: what became of the registration event.
    event: EventOutcome | None

    def __init__(
        self,
        model_id: str | None = None,
        model_type: str | None = None,
        version: str | int | None = None,
        is_baseline: bool | None = None,
        baseline_id: str | None = None,
        metrics: Mapping[str, float] | None = None,
        delta_metrics: Mapping[str, float] | None = None,
        contributor_address: str | None = None,
        timestamp: datetime | None = None,
        mlflow_version: str | int | None = None,
        tags: Mapping[str, str] | None = None,
        *,
        name: str | None = None,
        model_version: str | None = None,
        target: Target = "skipped",
        tracking_uri: str = "",
        run_id: str | None = None,
        source: str | None = None,
        logged_model_id: str | None = None,
        reason: str | None = None,
        aliases: tuple[str, ...] = (),
        idempotency_key: str | None = None,
        pending_sync: bool = False,
        event: EventOutcome | None = None,
    ) -> None:
        merged = dict(tags or {})
        if name is None:
            # The earlier SDK's dataclass: its `version` was the model's own, its
            # `mlflow_version` the registry's number, and the registered name the model type.
            if not model_type:
                raise TypeError(
                    "ModelRegistryEntry needs name= (the registered model's name), or the earlier "
                    "SDK's model_type=."
                )
            _warn_earlier_form(version, mlflow_version)
            name = model_type
            if model_version is None and version is not None:
                model_version = str(version)
            version = mlflow_version
            merged.setdefault(TAG_TIMESTAMP, (timestamp or datetime.now(timezone.utc)).isoformat())
        elif mlflow_version is not None:
            if version is not None and str(version) != str(mlflow_version):
                raise TypeError(
                    f"version={version!r} and mlflow_version={mlflow_version!r} disagree: they "
                    "name the same thing (the registry's version number); pass version= only."
                )
            version = mlflow_version
        given = {
            TAG_MODEL_ID: model_id,
            TAG_MODEL_TYPE: model_type,
            TAG_MODEL_VERSION: model_version,
            TAG_IS_BASELINE: None if is_baseline is None else str(bool(is_baseline)).lower(),
            TAG_BASELINE_ID: baseline_id,
            TAG_METRICS: None if metrics is None else json.dumps(dict(metrics), default=str),
            TAG_DELTA_METRICS: (
                None if delta_metrics is None else json.dumps(dict(delta_metrics), default=str)
            ),
            TAG_CONTRIBUTOR: contributor_address,
            TAG_TIMESTAMP: None if timestamp is None else timestamp.isoformat(),
        }
        merged.update({k: v for k, v in given.items() if v is not None})
        values = {
            "name": name,
            "version": None if version is None else str(version),
            "target": target,
            "tracking_uri": mask_keys(tracking_uri),
            "model_id": model_id if model_id is not None else merged.get(TAG_MODEL_ID),
            "run_id": run_id,
            "source": source,
            "logged_model_id": logged_model_id,
            "reason": reason,
            "tags": merged,
            "aliases": tuple(aliases),
            "idempotency_key": idempotency_key,
            "pending_sync": pending_sync,
            "event": event,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    # The platform's entry fields, derived from tags so there is one source of truth.
    @property
    def mlflow_version(self) -> str | None:
        """Deprecated: the registry's version number, which is ``version`` now."""
        warnings.warn(
            "ModelRegistryEntry.mlflow_version is deprecated: use .version (the registry's "
            "version number); the model's own version is .model_version.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.version

    @property
    def model_version(self) -> str | None:
        """The model's own version (a HokusaiModel's ``.version``), when it had one."""
        return self.tags.get(TAG_MODEL_VERSION) or None

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
    def delta_metrics(self) -> dict[str, float] | None:
        """The improvement over the baseline; ``None`` for a baseline, as it always was."""
        return _json_tag(self.tags, TAG_DELTA_METRICS) if TAG_DELTA_METRICS in self.tags else None

    @property
    def timestamp(self) -> datetime | None:
        raw = self.tags.get(TAG_TIMESTAMP)
        return datetime.fromisoformat(raw) if raw else None

    @property
    def registered(self) -> bool:
        return self.target != "skipped"

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["tags"] = dict(self.tags)
        data["aliases"] = list(self.aliases)
        data["event"] = self.event.as_dict() if self.event is not None else None
        return data

    # -- the dict the earlier SDK returned --------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        """``entry["version"]``, ``entry["token_id"]``: the keys of the earlier SDK's dicts."""
        reader = _LEGACY_KEYS.get(key)
        if reader is not None:
            return reader(self)
        if key in _FIELD_NAMES:
            return self.as_dict()[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(_LEGACY_KEYS)

    def __len__(self) -> int:
        return len(_LEGACY_KEYS)

    def __contains__(self, key: object) -> bool:
        return key in _LEGACY_KEYS or key in _FIELD_NAMES

    # Mapping's __eq__ would compare the legacy views; entries compare field by field.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelRegistryEntry):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]


def _warn_earlier_form(version: object, mlflow_version: object) -> None:
    warnings.warn(
        "ModelRegistryEntry(model_id=, model_type=, version=, mlflow_version=) is the earlier "
        "SDK's form: pass name= (the model type), version= (the registry's version number, "
        f"here {mlflow_version!r}) and model_version= (the model's own version, here "
        f"{version!r}). Read .version for the registry's number and .model_version for the "
        "model's own.",
        DeprecationWarning,
        stacklevel=3,
    )


def _iso(entry: ModelRegistryEntry) -> str | None:
    stamp = entry.timestamp
    return stamp.isoformat() if stamp else None


def _tag_reader(name: str) -> Callable[[ModelRegistryEntry], Any]:
    return lambda entry: entry.tags.get(name)


_LEGACY_KEYS: dict[str, Callable[[ModelRegistryEntry], Any]] = {
    # lineage entries
    "model_id": lambda e: e.model_id,
    "model_type": lambda e: e.model_type,
    "version": lambda e: e.version,
    "model_version": lambda e: e.model_version,
    "is_baseline": lambda e: e.is_baseline,
    "baseline_id": lambda e: e.baseline_id,
    "metrics": lambda e: e.metrics,
    "delta_metrics": lambda e: e.delta_metrics,
    "contributor_address": lambda e: e.contributor_address,
    "timestamp": _iso,
    # register_tokenized_model / get_tokenized_model results
    "model_name": lambda e: e.name,
    "token_id": lambda e: e.tags.get(TAG_TOKEN_ID),
    "token_identifier": lambda e: e.tags.get(TAG_TOKEN_ID),
    "proposal_identifier": lambda e: e.tags.get(TAG_PROPOSAL_ID),
    "metric_name": lambda e: e.tags.get(TAG_BENCHMARK_METRIC),
    "baseline_value": lambda e: _float_or_none(e.tags.get(TAG_BENCHMARK_VALUE)),
    "mlflow_run_id": lambda e: e.tags.get(TAG_MLFLOW_RUN_ID) or e.run_id,
    "status": lambda e: e.tags.get(TAG_STATUS),
    "tags": lambda e: dict(e.tags),
    **{name: _tag_reader(name) for name in MEASUREMENT_TAGS},
    # what became of the registration event (the earlier SDK's keys)
    "site_status_update": lambda e: e.event.status if e.event else None,
    "event_emitted": lambda e: e.event.emitted if e.event else False,
    "notification_error": lambda e: e.event.error if e.event else None,
}
_FIELD_NAMES = frozenset(
    (
        "name",
        "target",
        "tracking_uri",
        "run_id",
        "source",
        "logged_model_id",
        "reason",
        "aliases",
        "idempotency_key",
        "pending_sync",
        "event",
    )
)


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
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ModelLineage:
    """A model and its ancestors, oldest first.

    ``total_improvement`` sums the delta metrics whose names contain ``"improvement"``, as the
    platform always did. Iterating a lineage iterates its entries.
    """

    model_id: str
    entries: list[ModelRegistryEntry]
    total_improvement: float = 0.0

    def __iter__(self) -> Iterator[ModelRegistryEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


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
class RegistryStatus(Mapping[str, Any]):
    """``registry.status()``: how a registry is configured and what it last saw. No secrets.

    Also readable as the dict the earlier SDK's ``get_mlflow_status()`` returned:
    ``status["configured"]``, ``status.get("tracking_uri")``, ``dict(status)``; the keys are
    those of ``legacy_view()`` and the attribute names.
    """

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

    @property
    def configured(self) -> bool:
        """Whether registrations have a working place to go, as far as is known."""
        if self.mode == "mock":
            return False
        if self.target != "remote":
            return True
        if self.last_probe is not None:
            return self.last_probe.verdict == "ok"
        return self.masked_key is not None

    def legacy_view(self) -> dict[str, Any]:
        """The earlier SDK's status keys."""
        uri = self.remote_uri if self.target == "remote" else self.local_uri
        return {
            "configured": self.configured,
            "tracking_uri": uri if self.configured else None,
            "is_local": self.target == "local",
            "auth_method": "bearer_token"
            if self.target == "remote" and self.masked_key
            else "none",
            "mock_mode": self.mode == "mock",
            "optional_mode": self.mode == "optional",
            "optional_mlflow": self.mode == "optional",
        }

    def __getitem__(self, key: str) -> Any:
        legacy = self.legacy_view()
        if key in legacy:
            return legacy[key]
        if key in _STATUS_FIELDS:
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter([*self.legacy_view(), *_STATUS_FIELDS])

    def __len__(self) -> int:
        return len(self.legacy_view()) + len(_STATUS_FIELDS)


_STATUS_FIELDS = tuple(f.name for f in fields(RegistryStatus))
