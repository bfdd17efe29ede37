"""ModelRegistry: the platform's registration API on top of whichever backend the mode picks."""

from __future__ import annotations

import json
import logging
import tempfile
import uuid
import weakref
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hokusai import request_auth, validation
from hokusai.backends.base import RegistryBackend
from hokusai.config.tracking import TrackingConfig
from hokusai.container import Container
from hokusai.credentials import ApiKey
from hokusai.errors import InvalidInputError, ModelNotFoundError
from hokusai.model_source import staged
from hokusai.models import (
    TAG_BASELINE_ID,
    TAG_BENCHMARK_METRIC,
    TAG_BENCHMARK_VALUE,
    TAG_CONTRIBUTOR,
    TAG_DELTA_METRICS,
    TAG_IS_BASELINE,
    TAG_METADATA,
    TAG_METRICS,
    TAG_MODEL_ID,
    TAG_MODEL_TYPE,
    TAG_TIMESTAMP,
    TAG_TOKEN_ID,
    ModelLineage,
    ModelRegistryEntry,
    RegistrationRequest,
    RegistryStatus,
)
from hokusai.pending import check_idempotency_key

if TYPE_CHECKING:
    from hokusai.pending import PendingStore
    from hokusai.sync import Progress, SyncReport

logger = logging.getLogger(__name__)

PRODUCTION_ALIAS = "production"


class ModelRegistry:
    """Register models on the Hokusai registry.

    With only ``HOKUSAI_API_KEY`` set, models go to the hosted registry; with no key they go to
    a local MLflow store under ``~/.hokusai``. The constructor makes no network call::

        registry = ModelRegistry()
        entry = registry.register_baseline(model, model_type="churn")
        entry.target, entry.name, entry.version          # ("remote", "churn", "1")

    Arguments override the environment and ``~/.hokusai/config``; ``container`` replaces the
    whole wiring (tests).
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        api_key: str | ApiKey | None = None,
        mode: str | None = None,
        home: str | Path | None = None,
        probe_timeout: float | None = None,
        experiment: str | None = None,
        local_tracking_uri: str | None = None,
        container: Container | None = None,
    ) -> None:
        self._container = container or Container()
        given = {
            "tracking_uri": tracking_uri,
            "api_key": api_key,
            "mode": mode,
            "home": home,
            "probe_timeout": probe_timeout,
            "experiment": experiment,
            "local_tracking_uri": local_tracking_uri,
        }
        given = {k: v for k, v in given.items() if v is not None}
        if given:
            self._container.arguments.override({**self._container.arguments(), **given})
        # Resolving the configuration is local work: bad settings fail here, before any request.
        self._config: TrackingConfig = self._container.tracking_config()
        self._backend: RegistryBackend = self._container.backend()
        binding = self._container.binding()
        self._finalizer = weakref.finalize(self, _release, binding)

    # -- configuration and status ---------------------------------------------------------------

    @property
    def config(self) -> TrackingConfig:
        return self._config

    @property
    def backend(self) -> RegistryBackend:
        return self._backend

    @property
    def tracking_uri(self) -> str:
        """Where the next call is expected to go (the remote URI until a fallback happens)."""
        return self._backend.tracking_uri

    def __repr__(self) -> str:
        return (
            f"ModelRegistry(mode={self._config.mode.value.value!r}, "
            f"tracking_uri={self._backend.tracking_uri!r}, key={self._config.credentials.masked})"
        )

    def close(self) -> None:
        """Stop sending this registry's key. Also happens when the registry is garbage collected."""
        self._finalizer()

    def __enter__(self) -> ModelRegistry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def container(self) -> Container:
        """The wiring this registry was built from (read-only use: CLI, sync, tests)."""
        return self._container

    def sync(self, *, dry_run: bool = False, progress: Progress | None = None) -> SyncReport:
        """Push registrations made locally during an outage to the remote, each exactly once."""
        from hokusai.sync import sync_pending

        return sync_pending(self, dry_run=dry_run, progress=progress)

    def pending_store(self) -> PendingStore:
        store: PendingStore = self._container.pending_store()
        return store

    def status(self, *, probe: bool = False) -> RegistryStatus:
        """Mode, URIs, key source and masked key, and the last probe (``probe=True`` runs one)."""
        config = self._config
        uses_remote = config.mode.value.uses_remote and config.api_key is not None
        if probe and uses_remote:
            self._container.breaker().outcome()
        return RegistryStatus(
            mode=config.mode.value.value,
            target=self._backend.target,
            remote_uri=config.remote_uri.value,
            local_uri=config.local_uri.value,
            key_source=config.credentials.source,
            masked_key=config.credentials.masked,
            last_probe=self._backend.last_probe(),
            pending_registrations=len(self.pending_store().pending()),
        )

    # -- registration ---------------------------------------------------------------------------

    def register_model(
        self,
        model: object,
        name: str,
        *,
        tags: Mapping[str, object] | None = None,
        description: str | None = None,
        alias: str | None = None,
        idempotency_key: str | None = None,
    ) -> ModelRegistryEntry:
        """Log the model's real files and create a model version whose source points at them.

        ``model`` is a scikit-learn estimator, an ``mlflow.pyfunc.PythonModel``, an MLflow model
        directory, or a ``runs:/`` / ``models:/`` URI. Everything is checked before any request.
        """
        request_name = validation.model_name(name)
        clean_tags = validation.tags(tags)
        clean_alias = validation.alias(alias) if alias is not None else None
        key = (
            uuid.uuid4().hex if idempotency_key is None else check_idempotency_key(idempotency_key)
        )
        with staged(model) as source:
            request = RegistrationRequest(
                name=request_name,
                source=source,
                tags=clean_tags,
                idempotency_key=key,
                description=description,
                alias=clean_alias,
            )
            return self._backend.register(request)

    def register_baseline(
        self, model: object, model_type: str, metadata: Mapping[str, Any] | None = None
    ) -> ModelRegistryEntry:
        """Register the first model of a type; its ``model_id`` starts lineages."""
        name = validation.model_name(model_type, field="model_type")
        model_id = _model_id(model, name)
        tags = {
            TAG_MODEL_ID: model_id,
            TAG_MODEL_TYPE: name,
            TAG_IS_BASELINE: "true",
            TAG_METRICS: json.dumps(_metrics_of(model)),
            TAG_TIMESTAMP: datetime.now(timezone.utc).isoformat(),
        }
        if metadata:
            tags[TAG_METADATA] = _json(metadata, "metadata")
        return self.register_model(model, name, tags=tags, description=f"Baseline model {model_id}")

    def register_improved_model(
        self,
        model: object,
        baseline_id: str,
        delta_metrics: Mapping[str, float],
        contributor_address: str,
    ) -> ModelRegistryEntry:
        """Register a model that improves on ``baseline_id``, crediting ``contributor_address``."""
        address = validation.contributor_address(contributor_address)
        deltas = validation.metrics(delta_metrics, field="delta_metrics")
        baseline_ref = validation.text(baseline_id, field="baseline_id")
        baseline = self.get_model_by_id(baseline_ref)
        if baseline is None or baseline.model_type is None:
            raise ModelNotFoundError(
                f"Baseline model {baseline_ref!r} is not in the registry.",
                uri=self.tracking_uri,
                hint="Register it with register_baseline() first, or check the id.",
            )
        model_id = _model_id(model, baseline.model_type)
        tags = {
            TAG_MODEL_ID: model_id,
            TAG_MODEL_TYPE: baseline.model_type,
            TAG_IS_BASELINE: "false",
            TAG_BASELINE_ID: baseline_ref,
            TAG_METRICS: json.dumps(_metrics_of(model)),
            TAG_DELTA_METRICS: json.dumps(deltas),
            TAG_CONTRIBUTOR: address,
            TAG_TIMESTAMP: datetime.now(timezone.utc).isoformat(),
        }
        return self.register_model(
            model,
            baseline.model_type,
            tags=tags,
            description=f"Improved model {model_id} based on {baseline_ref}",
        )

    def register_tokenized_model(
        self,
        model_uri: str,
        model_name: str,
        token_id: str,
        metric_name: str,
        baseline_value: float,
        additional_tags: Mapping[str, object] | None = None,
    ) -> ModelRegistryEntry:
        """Register a model for a Hokusai token. ``entry["version"]`` works as it used to."""
        uri = validation.text(model_uri, field="model_uri")
        token = validation.token_id(token_id)
        metric = validation.text(metric_name, field="metric_name")
        value = validation.number(baseline_value, field="baseline_value")
        tags = {
            **validation.tags(additional_tags, field="additional_tags"),
            TAG_TOKEN_ID: token,
            TAG_BENCHMARK_METRIC: metric,
            TAG_BENCHMARK_VALUE: repr(value),
        }
        return self.register_model(
            uri, model_name, tags=tags, description=f"Token: {token}, Metric: {metric}"
        )

    # -- reads ----------------------------------------------------------------------------------

    def get_model_by_id(self, model_id: str) -> ModelRegistryEntry | None:
        found = self._backend.search_versions(tags={TAG_MODEL_ID: model_id})
        return found[-1] if found else None

    def get_model_version(self, name: str, version: str | int) -> ModelRegistryEntry:
        return self._backend.get_version(validation.model_name(name), str(version))

    def get_model_lineage(self, model_id: str) -> ModelLineage:
        """The model and its baselines, oldest first, with the sum of their improvements."""
        chain: list[ModelRegistryEntry] = []
        seen: set[str] = set()
        current = self.get_model_by_id(model_id)
        if current is None:
            raise ModelNotFoundError(
                f"Model {model_id!r} is not in the registry.", uri=self.tracking_uri
            )
        while current is not None and current.model_id not in seen:
            seen.add(str(current.model_id))
            chain.insert(0, current)
            current = self.get_model_by_id(current.baseline_id) if current.baseline_id else None
        total = sum(sum(e.delta_metrics.values()) for e in chain)
        return ModelLineage(model_id=model_id, entries=chain, total_improvement=total)

    def list_models_by_type(self, model_type: str) -> list[ModelRegistryEntry]:
        return self._backend.search_versions(
            name=validation.model_name(model_type, field="model_type")
        )

    def get_latest_model(self, model_type: str) -> ModelRegistryEntry | None:
        """The ``production`` version if one is set, else the newest version."""
        name = validation.model_name(model_type, field="model_type")
        production = self._backend.get_by_alias(name, PRODUCTION_ALIAS)
        if production is not None:
            return production
        versions = self._backend.search_versions(name=name)
        return versions[-1] if versions else None

    def rollback_model(self, model_type: str, target_model_id: str) -> bool:
        """Point ``production`` at the version holding ``target_model_id``.

        Returns False when that model is of another type; raises ModelNotFoundError when absent.
        """
        name = validation.model_name(model_type, field="model_type")
        target = self.get_model_by_id(target_model_id)
        if target is None:
            raise ModelNotFoundError(
                f"Model {target_model_id!r} is not in the registry.", uri=self.tracking_uri
            )
        if target.name != name or target.version is None:
            return False
        self._backend.set_alias(name, PRODUCTION_ALIAS, target.version)
        return True

    def set_alias(self, name: str, alias: str, version: str | int) -> None:
        self._backend.set_alias(validation.model_name(name), validation.alias(alias), str(version))

    def download_model(self, name: str, version: str | int, dst: str | Path) -> Path:
        """Download a version's model files into ``dst``; returns the model directory."""
        return self._backend.download(validation.model_name(name), str(version), Path(dst))

    def load_model(self, name: str, version: str | int) -> Any:
        """Load a registered version as an ``mlflow.pyfunc`` model, ready to ``predict``."""
        import mlflow.pyfunc

        with tempfile.TemporaryDirectory(prefix="hokusai-load-") as tmp:
            path = self.download_model(name, version, tmp)
            return mlflow.pyfunc.load_model(str(path))


def _release(binding: request_auth.Binding | None) -> None:
    if binding is not None:
        request_auth.unbind(binding)


def _model_id(model: object, model_type: str) -> str:
    given = getattr(model, "model_id", None)
    if isinstance(given, str) and given.strip():
        return given.strip()
    return f"{model_type}-{uuid.uuid4().hex[:12]}"


def _metrics_of(model: object) -> dict[str, float]:
    getter = getattr(model, "get_metrics", None)
    if callable(getter):
        values = getter()
        if isinstance(values, Mapping):
            return {str(k): float(v) for k, v in values.items()}
    return {}


def _json(value: Mapping[str, Any], field: str) -> str:
    try:
        return json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{field} must be JSON-serialisable: {exc}") from exc
