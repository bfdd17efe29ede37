"""ModelRegistry: the platform's registration API on top of whichever backend the mode picks."""

from __future__ import annotations

import contextvars
import json
import logging
import tempfile
import uuid
import warnings
import weakref
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hokusai.backends.base import RegistryBackend
from hokusai.config.credentials import ApiKey, Credentials
from hokusai.config.hokusai_auth import HokusaiAuth
from hokusai.config.keys import AUTH_CREDENTIALS
from hokusai.config.sources import ARGUMENT
from hokusai.config.tracking import Mode, TrackingConfig
from hokusai.connection import request_auth
from hokusai.container import Container
from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    InvalidTagsError,
    ModelNotFoundError,
    NotificationError,
    UnknownArgumentError,
    mask_keys,
)
from hokusai.flavors import staged
from hokusai.local.pending import check_idempotency_key
from hokusai.models import (
    TAG_BENCHMARK_SPEC_ID,
    TAG_EVAL_SPEC,
    TAG_LIFECYCLE_STAGE,
    TAG_METRICS,
    TAG_MODEL_ID,
    TAG_PRIMARY_METRIC,
    TAG_SCORER_REF,
    TAG_TOKEN_ID,
    EventOutcome,
    ModelLineage,
    ModelRegistryEntry,
    RegistrationRequest,
    RegistryStatus,
    metrics_from_tags,
)
from hokusai.platform import earlier_arguments, registry_arguments, validation
from hokusai.platform import tags as platform_tags
from hokusai.platform.registration_event import (
    DEFAULT_NOTIFICATION_TIMEOUT,
    EventOptions,
    measurement_tags,
    payload_for,
)
from hokusai.platform.registry_status import registry_status
from hokusai.support import mlflow_version

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from hokusai.local.pending import PendingStore
    from hokusai.sync import Progress, SyncReport

logger = logging.getLogger(__name__)

PRODUCTION_ALIAS = "production"
# The registration event register_tokenized_model hands to the registration it makes, to be
# queued with the pending record if that falls back; a context variable, so register_model's
# public signature stays as it is and another thread's registration never sees it.
_queued_event: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "hokusai_queued_event", default=None
)


class ModelRegistry:
    """Register models on the Hokusai registry.

    With only ``HOKUSAI_API_KEY`` set, models go to the hosted registry; with no key they go to
    a local MLflow store under ``~/.hokusai``. The constructor makes no network call::

        registry = ModelRegistry()
        entry = registry.register_baseline(model, model_type="churn")
        entry.target, entry.name, entry.version          # ("remote", "churn", "1")

    The earlier SDK's positional order holds: ``ModelRegistry(tracking_uri, api_key,
    api_endpoint, auth)``; ``api_endpoint`` puts the registry at ``{api_endpoint}/mlflow`` and
    ``auth`` is a ``hokusai.auth.HokusaiAuth`` whose key (and explicit endpoint) are used.
    Arguments override ``hokusai.configure()``'s process default, which overrides the
    environment and ``~/.hokusai/config``; ``container`` replaces the whole wiring (tests).
    Other keyword arguments: see ``hokusai.platform.registry_arguments``.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        api_key: str | ApiKey | None = None,
        api_endpoint: str | None = None,
        auth: HokusaiAuth | None = None,
        *,
        mode: str | None = None,
        home: str | Path | None = None,
        probe_timeout: float | None = None,
        request_timeout: float | None = None,
        experiment: str | None = None,
        local_tracking_uri: str | None = None,
        container: Container | None = None,
        **kwargs: Any,
    ) -> None:
        self._container = container or Container()
        given: dict[str, object] = {
            "tracking_uri": tracking_uri,
            "api_key": api_key,
            "api_endpoint": api_endpoint,
            "mode": mode,
            "home": home,
            "probe_timeout": probe_timeout,
            "request_timeout": request_timeout,
            "experiment": experiment,
            "local_tracking_uri": local_tracking_uri,
        }
        given.update(registry_arguments.translate(kwargs, [*given, "auth", "container"]))
        given.update(_auth_arguments(auth, api_endpoint))
        given = {k: v for k, v in given.items() if v is not None}
        if given:
            self._container.arguments.override({**self._container.arguments(), **given})
        # Resolving the configuration is local work: bad settings fail here, before any request.
        self._config: TrackingConfig = self._container.tracking_config()
        if self._config.mode.value is not Mode.MOCK:
            # Before any MLflow module loads: an MLflow below the floor fails here, by name.
            mlflow_version.check()
        self._backend: RegistryBackend = self._container.backend()
        binding = self._container.binding()
        self._clients: dict[str, Any] = {}
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

    @property
    def api_endpoint(self) -> str:
        """The platform API base (``HOKUSAI_API_ENDPOINT``); the registry is below it."""
        return self._config.api_endpoint.value

    @property
    def client(self) -> MlflowClient:
        """An ``MlflowClient`` on ``tracking_uri``, for raw MLflow calls.

        It sends this registry's key, and only to this registry, from any thread; MLflow's
        exceptions pass through unchanged. Mode ``mock`` has no MLflow store behind it.
        """
        if self._backend.target == "mock":
            raise ConfigurationError(
                "registry.client needs an MLflow store, and mode mock keeps models in memory.",
                hint="Use mode local (HOKUSAI_MLFLOW_MODE=local) for an MLflow store on this "
                "machine, or the registry's own methods in mock mode.",
            )
        uri = self.tracking_uri
        if uri not in self._clients:
            from hokusai.connection.scoped_client import ScopedMlflowClient

            binding = self._container.binding() if self._backend.target == "remote" else None
            if self._backend.target == "remote" and binding is None:
                # Unbound, its requests would pick up another registry's key for this URI.
                raise AuthenticationError.missing_key(uri)
            self._clients[uri] = ScopedMlflowClient(
                uri, binding=binding, timeout=self._config.request_timeout.value
            )
        client: MlflowClient = self._clients[uri]
        return client

    def __repr__(self) -> str:
        return (
            f"ModelRegistry(mode={self._config.mode.value.value!r}, "
            f"tracking_uri={mask_keys(self._backend.tracking_uri)!r}, "
            f"key={self._config.credentials.masked})"
        )

    def close(self) -> None:
        """Stop sending this registry's key. Also happens when the registry is garbage collected."""
        for client in self._clients.values():
            client._hokusai_close()
        self._finalizer()

    def __enter__(self) -> ModelRegistry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def container(self) -> Container:
        """The wiring this registry was built from (read-only use: CLI, sync, tests)."""
        return self._container

    def sync(
        self,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        concurrency: int | None = None,
        on_progress: Progress | None = None,
    ) -> SyncReport:
        """Push registrations made locally during an outage to the remote, each exactly once,
        ``concurrency`` at a time (see :func:`hokusai.sync.sync_pending`)."""
        from hokusai.sync import sync_pending

        return sync_pending(
            self,
            dry_run=dry_run,
            concurrency=concurrency,
            on_progress=on_progress,
            progress=progress,
        )

    def pending_store(self) -> PendingStore:
        store: PendingStore = self._container.pending_store()
        return store

    def status(self, *, probe: bool = False) -> RegistryStatus:
        """Mode, URIs, key source and masked key, and the last probe (``probe=True`` runs one)."""
        config = self._config
        uses_remote = config.mode.value.uses_remote and config.api_key is not None
        if probe and uses_remote:
            self._container.breaker().outcome()
        return registry_status(
            config,
            self.pending_store(),
            target=self._backend.target,
            last_probe=self._backend.last_probe(),
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
        signature: Any = None,
        input_example: Any = None,
        metrics: Mapping[str, float] | None = None,
        serialization_format: str | None = None,
    ) -> ModelRegistryEntry:
        """Log the model's real files and create a model version whose source points at them.

        ``model`` is a model object of any framework in ``hokusai.flavors.FLAVORS``
        (scikit-learn, XGBoost, LightGBM, CatBoost, PyTorch, Keras, Transformers, ONNX,
        statsmodels, ``mlflow.pyfunc.PythonModel``, ``HokusaiModel``), an MLflow model directory,
        or a ``runs:/`` / ``models:/`` URI (which must exist). ``signature`` (or one inferred
        from ``input_example``) is saved with a model object. ``metrics`` (name -> number) are
        logged on the registration run and kept on the version (``entry.metrics``).
        ``serialization_format`` picks the flavor's file format where MLflow offers a choice
        (scikit-learn: ``"skops"``, ``"cloudpickle"`` or ``"pickle"``; see docs/migrating.md).
        Everything is checked before any request.
        """
        request_name = validation.model_name(name)
        clean_tags = validation.tags(tags)
        if metrics is not None:
            given = validation.run_metrics(metrics)
            merged = json.dumps({**metrics_from_tags(clean_tags), **given})
            clean_tags.update(validation.tags({TAG_METRICS: merged}, field="metrics"))
        clean_alias = validation.alias(alias) if alias is not None else None
        clean_description = validation.description(description)
        key = (
            uuid.uuid4().hex if idempotency_key is None else check_idempotency_key(idempotency_key)
        )
        file_format = _optional_text(serialization_format, "serialization_format")
        with staged(
            model,
            signature=signature,
            input_example=input_example,
            serialization_format=file_format,
        ) as source:
            request = RegistrationRequest(
                name=request_name,
                source=source,
                tags=clean_tags,
                idempotency_key=key,
                description=clean_description,
                alias=clean_alias,
                fresh_key=idempotency_key is None,
                event=_queued_event.get(),
            )
            return self._backend.register(request)

    # -- the platform's registrations -----------------------------------------------------------

    def register_baseline(
        self,
        model: object = None,
        model_type: str | None = None,
        model_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> ModelRegistryEntry:
        """Register the first model of a type; its ``model_id`` starts lineages.

        A ``HokusaiModel``'s ``model_id``, ``version`` and ``get_metrics()`` become the entry's
        ``model_id``, ``model_version`` and ``metrics``. ``model_name=`` is the earlier SDK's
        name for ``model_type`` (deprecated). Other keyword arguments (``tags``,
        ``description``, ...) are those of ``register_model``.
        """
        if model is None:
            raise InvalidInputError(
                "Model parameter is required: register_baseline(model, model_type=...)."
            )
        kind = earlier_arguments.one_of(
            model_type, model_name, new="model_type", old="model_name", where="register_baseline"
        )
        name = validation.model_name(kind, field="model_type")
        options = earlier_arguments.forwarded(
            kwargs, self.register_model, where="register_baseline"
        )
        tags = platform_tags.baseline(model, name, metadata, options.get("metrics"))
        return self._register_platform(
            model, name, tags, f"Baseline model {tags[TAG_MODEL_ID]}", options
        )

    def register_baseline_via_api(
        self,
        model_type: str,
        mlflow_run_id: str,
        metadata: Mapping[str, Any] | None = None,
        *,
        artifact_path: str = "model",
        **kwargs: Any,
    ) -> ModelRegistryEntry:
        """Register the model a run logged (``runs:/<mlflow_run_id>/<artifact_path>``) as a
        baseline of ``model_type``. Deprecated: call ``register_baseline`` with that URI.

        The earlier SDK posted to ``/api/v1/models/baseline``, which the platform does not
        serve; this registers on the registry directly, as ``register_baseline`` does. A run
        without a model at ``artifact_path`` raises ``ModelNotFoundError`` before anything is
        created.
        """
        run_id = validation.text(mlflow_run_id, field="mlflow_run_id")
        uri = f"runs:/{run_id}/{validation.text(artifact_path, field='artifact_path').strip('/')}"
        warnings.warn(
            "register_baseline_via_api() is deprecated (the platform has no such API): call "
            f"register_baseline({uri!r}, model_type={model_type!r}) instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.register_baseline(uri, model_type=model_type, metadata=metadata, **kwargs)

    def register_improved_model(
        self,
        model: object,
        baseline_id: str,
        delta_metrics: Mapping[str, float],
        contributor_address: str | None = None,
        *,
        contributor: str | None = None,
        **kwargs: Any,
    ) -> ModelRegistryEntry:
        """Register a model that improves on ``baseline_id``, crediting ``contributor_address``.

        ``contributor=`` is the earlier SDK's name for ``contributor_address`` (deprecated).
        Other keyword arguments are those of ``register_model``.
        """
        address = validation.contributor_address(
            earlier_arguments.one_of(
                contributor_address,
                contributor,
                new="contributor_address",
                old="contributor",
                where="register_improved_model",
            )
        )
        deltas = validation.metrics(delta_metrics, field="delta_metrics")
        baseline_ref = validation.text(baseline_id, field="baseline_id")
        options = earlier_arguments.forwarded(
            kwargs, self.register_model, where="register_improved_model"
        )
        # The baseline lookup is a request: the caller's options are checked before it.
        _check_options(options)
        try:
            baseline = self.get_model_by_id(baseline_ref)
        except ModelNotFoundError as exc:
            raise ModelNotFoundError(
                f"Baseline model {baseline_ref} not found.",
                uri=self.tracking_uri,
                hint="Register it with register_baseline() first, or check the id.",
            ) from exc
        kind = baseline.model_type or baseline.name
        tags = platform_tags.improved(
            model, kind, baseline_ref, deltas, address, options.get("metrics")
        )
        description = f"Improved model {tags[TAG_MODEL_ID]} based on {baseline_ref}"
        return self._register_platform(model, kind, tags, description, options)

    def _register_platform(
        self,
        model: object,
        name: str,
        platform: Mapping[str, str],
        description: str,
        options: dict[str, Any],
    ) -> ModelRegistryEntry:
        """``register_model`` with the platform's tags, which win over the caller's."""
        caller_tags = validation.tags(options.pop("tags", None))
        options.setdefault("description", description)
        return self.register_model(model, name, tags={**caller_tags, **platform}, **options)

    def register_tokenized_model(
        self,
        model_uri: str,
        model_name: str,
        token_id: str,
        metric_name: str,
        baseline_value: float,
        additional_tags: Mapping[str, object] | None = None,
        *,
        eval_spec: str | None = None,
        scorer_ref: str | None = None,
        primary_metric: str | None = None,
        benchmark_spec_id: str | None = None,
        notify_site: bool = True,
        best_effort_notification: bool = False,
        notification_timeout: float = DEFAULT_NOTIFICATION_TIMEOUT,
        api_schema: Mapping[str, Any] | None = None,
        notification_api_endpoint: str | None = None,
        **unexpected: Any,
    ) -> ModelRegistryEntry:
        """Register a model for a Hokusai token, then tell the Hokusai site (the registration
        event, see ``hokusai.platform.registration_event``).

        The entry reads as the dict this call always returned: ``entry["version"]``,
        ``entry["token_id"]`` (upper-cased), ``entry["baseline_value"]``, ``entry["tags"]``,
        ``entry["proposal_identifier"]``, ``entry["mlflow_run_id"]``, ``entry["status"]``,
        ``entry["eval_spec"]`` (and the other measurement fields, also written as version
        tags), ``entry["site_status_update"]`` (``succeeded``, ``failed``, ``skipped``,
        ``queued``) and ``entry["event_emitted"]``; ``entry.event`` holds the same.

        The event is sent when the version lands on the hosted registry (``notify_site=False``:
        never); registered in the local store during an outage, it is queued with the pending
        record and ``hokusai sync`` sends it once the model is pushed. If it fails,
        ``NotificationError`` says that the model IS registered and how to resend it
        (``send_registration_event``); ``best_effort_notification=True`` logs a warning instead
        and returns the entry with ``site_status_update == "failed"``.
        """
        if unexpected:
            raise UnknownArgumentError(
                "register_tokenized_model() got unexpected keyword argument(s) "
                f"{', '.join(sorted(unexpected))}."
            )
        options = EventOptions.of(
            notify_site=notify_site,
            best_effort_notification=best_effort_notification,
            notification_timeout=notification_timeout,
            api_schema=api_schema,
            notification_api_endpoint=notification_api_endpoint,
        )
        if not all([model_uri, model_name, token_id, metric_name]):
            raise InvalidInputError(
                "All parameters are required: model_uri, model_name, token_id and metric_name "
                "must be non-empty."
            )
        uri = validation.text(model_uri, field="model_uri")
        token = validation.token_id(token_id)
        metric = validation.text(metric_name, field="metric_name")
        value = validation.number(baseline_value, field="baseline_value")
        extra = validation.tags(additional_tags, field="additional_tags")
        measurement = measurement_tags(
            {
                TAG_EVAL_SPEC: eval_spec,
                TAG_SCORER_REF: scorer_ref,
                TAG_PRIMARY_METRIC: primary_metric,
                TAG_BENCHMARK_SPEC_ID: benchmark_spec_id,
            }
        )
        tags = platform_tags.tokenized(uri, token, metric, value, extra, measurement)
        sends = options.notify and self._config.mode.value.uses_remote
        if sends and self._config.api_key is not None:
            # A key that may not go to the API endpoint is refused before anything is registered.
            self._container.event_sender().endpoint(options)
        try:
            token_scope = _queued_event.set(options.queued() if sends else None)
            try:
                entry = self.register_model(
                    uri, model_name, tags=tags, description=f"Token: {token}, Metric: {metric}"
                )
            finally:
                _queued_event.reset(token_scope)
        except ModelNotFoundError as exc:
            raise ModelNotFoundError(
                f"model_uri {uri!r} names no model in the registry ({exc.message.rstrip('.')})."
                " The earlier SDK registered such a URI anyway, as a version whose files did "
                "not exist; this one registers only models that are there.",
                uri=self.tracking_uri,
                hint="Log or register the model first (register_model(model, name) returns "
                "its version; a run's model logged with mlflow.<flavor>.log_model is found in "
                "this process's MLflow tracking store, mlflow.get_tracking_uri()), then pass "
                "its runs:/ or models:/ URI.",
            ) from exc
        return replace(entry, event=self._announce(entry, options))

    def _announce(self, entry: ModelRegistryEntry, options: EventOptions) -> EventOutcome:
        """Send the registration event of a version just registered, or say why not."""
        if not options.notify:
            return EventOutcome("skipped", detail="notify_site=False")
        if entry.pending_sync:
            return EventOutcome(
                "queued", detail="`hokusai sync` sends it once the model is on the hosted registry"
            )
        if entry.target != "remote":
            detail = f"registered in the {entry.target} store, not on the hosted registry"
            logger.info("No registration event for %r: %s.", entry.name, detail)
            return EventOutcome("skipped", detail=detail)
        try:
            self._container.event_sender().send(payload_for(entry, options.api_schema), options)
        except NotificationError as error:
            if not options.best_effort:
                raise
            logger.warning("Registration event not delivered (best effort): %s", error)
            return EventOutcome("failed", error=error.message)
        return EventOutcome("succeeded")

    def send_registration_event(
        self,
        model_name: str,
        version: str | int,
        *,
        api_schema: Mapping[str, Any] | None = None,
        notification_timeout: float = DEFAULT_NOTIFICATION_TIMEOUT,
        notification_api_endpoint: str | None = None,
    ) -> ModelRegistryEntry:
        """Send (again) the registration event of a tokenized model on the hosted registry.

        For an event that failed (``NotificationError``, or ``site_status_update == "failed"``):
        it reads the version, builds the event from its tags, and sends it; nothing is
        registered. Returns the version with ``site_status_update == "succeeded"``; raises
        ``NotificationError`` when the event fails again, ``InvalidTagsError`` when the version
        is not a tokenized model.
        """
        options = EventOptions.of(
            notification_timeout=notification_timeout,
            api_schema=api_schema,
            notification_api_endpoint=notification_api_endpoint,
        )
        if not self._config.mode.value.uses_remote:
            raise ConfigurationError(
                f"Registration events are about versions on the hosted registry, and this "
                f"registry is in mode {self._config.mode.value.value!r} "
                f"(from {self._config.mode.source}).",
                hint="Use mode auto or remote (HOKUSAI_MLFLOW_MODE) with your API key.",
            )
        if self._config.api_key is None:
            raise AuthenticationError.missing_key(self._config.event_api.value)
        sender = self._container.event_sender()
        sender.endpoint(options)
        entry = self.get_tokenized_model(model_name, version)
        sender.send(payload_for(entry, options.api_schema), options)
        return replace(entry, event=EventOutcome("succeeded"))

    # -- reads ----------------------------------------------------------------------------------

    def get_model_by_id(self, model_id: str) -> ModelRegistryEntry:
        """The version holding ``model_id`` (the newest, if several do).

        Raises ``ModelNotFoundError`` (a ``RegistryException``, as it always was) when none does.
        """
        wanted = validation.text(model_id, field="model_id")
        found = self._backend.search_versions(tags={TAG_MODEL_ID: wanted})
        if not found:
            raise ModelNotFoundError(
                f"Model not found: {wanted}.",
                uri=self.tracking_uri,
                hint="Check the id; list_models_by_type(model_type) lists a type's models.",
            )
        return found[-1]

    def get_model_version(self, name: str, version: str | int) -> ModelRegistryEntry:
        return self._backend.get_version(validation.model_name(name), str(version))

    def get_model_lineage(self, model_id: str) -> ModelLineage:
        """The model and its baselines, oldest first.

        ``total_improvement`` sums the delta metrics whose names contain ``"improvement"``.
        An ancestor that is no longer in the registry ends the chain.
        """
        chain = [self.get_model_by_id(model_id)]
        seen = {chain[0].model_id}
        while chain[0].baseline_id and chain[0].baseline_id not in seen:
            try:
                parent = self.get_model_by_id(chain[0].baseline_id)
            except ModelNotFoundError:
                logger.info("Lineage of %r ends at missing baseline %r.", model_id, chain[0])
                break
            seen.add(parent.model_id)
            chain.insert(0, parent)
        total = sum(
            delta
            for entry in chain
            for metric, delta in (entry.delta_metrics or {}).items()
            if "improvement" in metric
        )
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
        return self._backend.latest_version(name)

    def rollback_model(self, model_type: str, target_model_id: str) -> bool:
        """Point ``production`` at the version holding ``target_model_id``.

        Returns False when that model is of another type; raises ModelNotFoundError when absent.
        The versions' ``lifecycle_stage`` tags say which is in production, as they always did.
        """
        name = validation.model_name(model_type, field="model_type")
        target = self.get_model_by_id(target_model_id)
        if target.name != name or target.version is None:
            return False
        current = self._backend.get_by_alias(name, PRODUCTION_ALIAS)
        if current is not None and current.version != target.version:
            self._backend.set_tags(name, str(current.version), {TAG_LIFECYCLE_STAGE: "Archived"})
        self._backend.set_alias(name, PRODUCTION_ALIAS, target.version)
        self._backend.set_tags(name, target.version, {TAG_LIFECYCLE_STAGE: "Production"})
        return True

    def get_tokenized_model(self, model_name: str, version: str | int) -> ModelRegistryEntry:
        """A tokenized model's version; it reads as the dict this call always returned.

        Raises ``InvalidTagsError`` (a ``RegistryException`` and a ``ValueError``) when the version
        lacks the Hokusai tags.
        """
        entry = self.get_model_version(model_name, version)
        validation.hokusai_tags(entry.tags)
        return entry

    def list_models_by_token(self, token_id: str) -> list[ModelRegistryEntry]:
        """Every version registered for ``token_id`` that carries valid Hokusai tags."""
        token = validation.token_id(token_id)
        return [
            entry
            for entry in self._backend.search_versions(tags={TAG_TOKEN_ID: token})
            if _has_hokusai_tags(entry)
        ]

    # -- changes to existing versions -----------------------------------------------------------

    def update_model_tags(
        self, model_name: str, version: str | int, tags: Mapping[str, object]
    ) -> None:
        """Add or overwrite tags on a version. The SDK's own ``hokusai.*`` tags are not writable."""
        name = validation.model_name(model_name, field="model_name")
        clean = validation.tags(tags)
        if TAG_TOKEN_ID in clean:
            clean[TAG_TOKEN_ID] = validation.token_id(clean[TAG_TOKEN_ID])
        if clean:
            self._backend.set_tags(name, validation.text(str(version), field="version"), clean)

    def delete_model_version(self, model_id: str) -> bool:
        """Delete the version holding ``model_id``; False when no version holds it."""
        try:
            entry = self.get_model_by_id(model_id)
        except ModelNotFoundError:
            return False
        if entry.version is None:
            return False
        self._backend.delete_version(entry.name, entry.version)
        return True

    # -- the platform's checks, as methods ------------------------------------------------------

    def validate_token_id(self, token_id: str) -> None:
        """Raise ``ValueError`` unless ``token_id`` is 1-64 letters, digits and inner hyphens."""
        validation.token_id(token_id)

    def normalize_token_id(self, token_id: str) -> str:
        """``token_id`` as the registry stores it (upper case), after ``validate_token_id``."""
        return validation.token_id(token_id)

    def validate_hokusai_tags(self, tags: Mapping[str, str]) -> None:
        """Raise ``InvalidTagsError`` unless the token id, metric and numeric value are there."""
        validation.hokusai_tags(tags)

    def set_alias(self, name: str, alias: str, version: str | int) -> None:
        self._backend.set_alias(validation.model_name(name), validation.alias(alias), str(version))

    def download_model(self, name: str, version: str | int, dst: str | Path) -> Path:
        """Download a version's model files into ``dst``; returns the model directory."""
        return self._backend.download(validation.model_name(name), str(version), Path(dst))

    def load_model(self, name: str, version: str | int) -> Any:
        """Load a registered version as an ``mlflow.pyfunc`` model, ready to ``predict``."""
        import mlflow.pyfunc

        files = tempfile.TemporaryDirectory(prefix="hokusai-load-")
        try:
            model = mlflow.pyfunc.load_model(str(self.download_model(name, version, files.name)))
        except BaseException:
            files.cleanup()
            raise
        # A pyfunc model may read its artifacts when it predicts: the files live as long as the
        # model does (and removing a large download is then no part of loading it).
        weakref.finalize(model, files.cleanup)
        return model


def _auth_arguments(auth: HokusaiAuth | None, api_endpoint: str | None) -> dict[str, object]:
    """The key of ``auth`` (with its source), and its endpoint when it was set explicitly."""
    if auth is None:
        return {}
    if not isinstance(auth, HokusaiAuth):
        raise InvalidInputError(
            f"auth must be a hokusai.auth.HokusaiAuth, got {type(auth).__name__}.",
            parameter_name="auth",
        )
    found = auth.credentials
    origin = "" if found.source == ARGUMENT else f" (key from {found.source})"
    arguments: dict[str, object] = {
        AUTH_CREDENTIALS: Credentials(found.api_key, f"the auth argument{origin}")
    }
    if api_endpoint is None and auth.api_endpoint_setting.source == ARGUMENT:
        arguments["api_endpoint"] = auth.api_endpoint
    return arguments


def _check_options(options: Mapping[str, Any]) -> None:
    """The checks ``register_model`` runs on these options, for callers that make a request
    (a lookup) before they call it."""
    validation.tags(options.get("tags"))
    if options.get("metrics") is not None:
        validation.run_metrics(options["metrics"])
    if options.get("alias") is not None:
        validation.alias(options["alias"])
    if options.get("idempotency_key") is not None:
        check_idempotency_key(options["idempotency_key"])
    _optional_text(options.get("serialization_format"), "serialization_format")


def _optional_text(value: object, field: str) -> str | None:
    return None if value is None else validation.text(value, field=field)


def _release(binding: request_auth.Binding | None) -> None:
    if binding is not None:
        request_auth.unbind(binding)


def _has_hokusai_tags(entry: ModelRegistryEntry) -> bool:
    try:
        validation.hokusai_tags(entry.tags)
    except InvalidTagsError:
        return False
    return True
