"""A registry backed by an MLflow tracking store: the hosted server, or the local sqlite store.

Only ``MlflowClient`` instances are used: the fluent API (``mlflow.set_tracking_uri``,
``mlflow.sklearn.log_model``) is process-global and would send one registry's models to another's
server. Models are logged as MLflow 3 logged models and the version's ``source`` is the logged
model's artifact location, which every store can resolve without a global URI.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from hokusai.backends.earlier_attempts import EarlierAttempts
from hokusai.backends.user_runs import UserRuns
from hokusai.connection.request_auth import Binding, acting_as, pinned
from hokusai.errors import HokusaiError, LocalStoreError, ModelNotFoundError, mask_keys
from hokusai.flavors import uris
from hokusai.local import locks
from hokusai.models import (
    TAG_IDEMPOTENCY_KEY,
    TAG_LOGGED_MODEL_ID,
    TAG_MLFLOW_RUN_ID,
    TAG_MODEL_ID,
    ModelRegistryEntry,
    ProbeResult,
    RegistrationRequest,
)
from hokusai.support.private_dirs import make_private_dirs
from hokusai.transport import http_trace
from hokusai.transport.classify import ErrorContext, from_mlflow
from hokusai.transport.http_bounds import RegistryTransport
from hokusai.transport.side_by_side import run_all

logger = logging.getLogger(__name__)

# On a late duplicate that could not be deleted: the version it repeats.
TAG_DUPLICATE_OF = "hokusai.duplicate_of"

ClientFactory = Callable[[str], Any]

# Versions asked for per search request. Lookups filter on the server and page through every
# page, so a lookup costs requests in proportion to its answer, not to the registry. 1000 is
# the largest page MLflow allows for registered-model searches, which any proxy in front of it
# is built to pass; MLflow's own version-search default (10000) can make answers of megabytes.
SEARCH_PAGE_SIZE = 1000

# What creating a run answers when its experiment no longer exists, or is deleted.
_EXPERIMENT_GONE = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})


def make_mlflow_client(tracking_uri: str) -> Any:
    """The default MlflowClient factory: tracking and registry on the same URI."""
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


class MlflowStoreBackend:
    """Registers and reads model versions through one ``MlflowClient``."""

    def __init__(
        self,
        *,
        target: Literal["remote", "local"],
        tracking_uri: str,
        client_factory: ClientFactory,
        experiment: str,
        error_context: ErrorContext,
        request_timeout: float,
        artifact_root: str | None = None,
        binding: Binding | None = None,
        transport: RegistryTransport | None = None,
        page_size: int = SEARCH_PAGE_SIZE,
        user_runs: UserRuns | None = None,
    ) -> None:
        self._target: Literal["remote", "local"] = target
        self._uri = tracking_uri
        self._client_factory = client_factory
        self._client: Any = None
        self._experiment = experiment
        self._ctx = error_context
        self._timeout = request_timeout
        self._artifact_root = artifact_root
        self._binding = binding
        self._transport = transport
        self._page_size = page_size
        self._user_runs = user_runs
        # Set once the client is routed through ``transport``: its artifacts then go through
        # the transport too, and independent requests may overlap (a stand-in client, or a
        # local database, gets its calls one at a time).
        self._is_routed = False
        # The experiment's id, once known: it does not change while the experiment exists.
        self._experiment_id_known: str | None = None
        # Fresh keys whose registration has been tried and has not succeeded: a retry of one
        # may find what an earlier attempt made. Only failed registrations stay here.
        self._tried: set[str] = set()
        # What each registration's attempts made, so that a repeat goes on with it.
        self._attempts = EarlierAttempts()

    @property
    def target(self) -> str:
        return self._target

    @property
    def tracking_uri(self) -> str:
        return self._uri

    def last_probe(self) -> ProbeResult | None:
        return None

    def __repr__(self) -> str:
        return f"MlflowStoreBackend(target={self._target!r}, tracking_uri={mask_keys(self._uri)!r})"

    # -- plumbing -----------------------------------------------------------------------------

    def _mlflow(self) -> Any:
        if self._client is None:
            if self._target == "local" and self._uri.startswith("sqlite:///"):
                self._client = self._open_sqlite_store()
            else:
                if self._target == "local":
                    self._prepare_local_dirs()
                self._client = self._routed(self._client_factory(self._uri))
        return self._client

    def _routed(self, client: Any) -> Any:
        """Every request of the client through this registry's transport (its own timeout as a
        total deadline, no retries), never through settings shared by the process."""
        from mlflow import MlflowClient

        from hokusai.mlflow_internals.routes import route_through

        if self._transport is not None and isinstance(client, MlflowClient):
            route_through(client, self._transport)
            self._is_routed = True
        return client

    def _open_sqlite_store(self) -> Any:
        """Open the local database, creating or migrating its schema under a file lock.

        MLflow creates the schema on first open without any lock of its own, so two processes
        opening a fresh HOKUSAI_HOME at once collide ("table ... already exists"). The lock
        serialises SDK processes; the single retry covers another program doing the same.
        """
        self._prepare_local_dirs()
        database = Path(self._uri[len("sqlite:///") :])
        with locks.waiting_for(database.with_name(database.name + ".init.lock"), timeout=300):
            for attempt in (1, 2):
                client = self._client_factory(self._uri)
                try:
                    # Both stores create their tables on first use: make that happen here.
                    client.search_experiments(max_results=1)
                    client.search_registered_models(max_results=1)
                    return client
                except Exception as exc:
                    if attempt == 2 or not _schema_race(exc):
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _prepare_local_dirs(self) -> None:
        try:
            if self._uri.startswith("sqlite:///"):
                make_private_dirs(Path(self._uri[len("sqlite:///") :]).parent)
            if self._artifact_root:
                make_private_dirs(Path(self._artifact_root))
        except OSError as exc:
            raise LocalStoreError(f"Cannot create the local store: {exc}", uri=self._uri) from exc

    @contextmanager
    def _operation(self, action: str, *, threads: bool = False) -> Iterator[Any]:
        """Run MLflow calls with this registry's key and typed errors.

        ``threads``: MLflow will make requests from its own thread pool (downloads); pin this
        registry's key for the URI so those threads send it too.
        """
        with (
            acting_as(self._binding),
            http_trace.traced() as log,
            pinned(self._binding if threads else None, log),
        ):
            try:
                yield self._mlflow()
            except HokusaiError:
                raise
            except Exception as exc:
                raise self._classify(exc, log.last_error, action) from exc

    def _classify(
        self, exc: Exception, last_error: http_trace.SeenResponse | None, action: str
    ) -> HokusaiError:
        ctx = ErrorContext(self._ctx.uri, self._ctx.key_source, self._ctx.masked_key, action)
        error = from_mlflow(exc, last_error, ctx)
        if self._target == "local" and not isinstance(error, ModelNotFoundError):
            return LocalStoreError(f"The local store failed while {action}: {exc}", uri=self._uri)
        return error

    # -- registration -------------------------------------------------------------------------

    def register(self, request: RegistrationRequest) -> ModelRegistryEntry:
        key = request.idempotency_key
        first_try = request.fresh_key and key not in self._tried
        self._tried.add(key)
        try:
            try:
                entry = self._register(request, look_first=not first_try)
            except ModelNotFoundError as missing:
                if request.source.uri is None or self._user_runs is None:
                    raise
                # A run the user logged with MLflow's own API, in their own tracking store.
                with self._user_runs.copied(request.source.uri, missing) as copy:
                    entry = self._register(copy.applied_to(request), look_first=not first_try)
        except HokusaiError as error:
            error.idempotency_key = key
            raise
        self._tried.discard(key)
        return entry

    def _register(self, request: RegistrationRequest, *, look_first: bool) -> ModelRegistryEntry:
        with self._operation(f"registering model {request.name!r}") as client:
            existing = (
                self._find_by_idempotency_key(client, request.name, request.idempotency_key)
                if look_first
                else None
            )
            if existing is not None:
                logger.info(
                    "Model %r version %s already holds this registration; not creating another.",
                    request.name,
                    existing.version,
                )
                return self._complete_alias(client, existing, request.alias)
            if request.source.uri is not None:
                # Reads only: a URI naming nothing fails here, before anything is written.
                source, run_id, logged_model_id = self._resolve_uri(client, request.source.uri)
                named = self._registered_model_exists(client, request.name)
            else:
                # A repeat of this registration goes on with what an earlier attempt made.
                resuming = self._attempts.client_for(client, request.idempotency_key)
                source, run_id, logged_model_id, named = self._log_model(resuming, request)
            if not named:
                self._create_registered_model(client, request.name)
            created = client.create_model_version(
                name=request.name,
                source=source,
                run_id=run_id,
                tags={
                    **request.tags,
                    # The platform reads a version's run from this tag. Only here is the run
                    # known: the SDK's upload makes it, and a run copied from the user's own
                    # store (or pushed by sync) has a new one on this registry.
                    **({TAG_MLFLOW_RUN_ID: run_id} if run_id else {}),
                    TAG_IDEMPOTENCY_KEY: request.idempotency_key,
                    **({TAG_LOGGED_MODEL_ID: logged_model_id} if logged_model_id else {}),
                },
                description=request.description,
                model_id=logged_model_id,
                # MLflow would wait up to 300 s for a version stuck in PENDING_REGISTRATION.
                await_creation_for=max(1, round(self._timeout)),
            )
            # An earlier attempt whose answer was lost may land just now: look again, and
            # whoever looks keeps the same one (the lowest version).
            kept = self._keep_first(client, request.name, request.idempotency_key, created)
            return self._ensure_alias(client, kept or self._entry(created), request.alias)

    def _ensure_alias(
        self, client: Any, entry: ModelRegistryEntry, alias: str | None
    ) -> ModelRegistryEntry:
        if alias is None or alias in entry.aliases:
            return entry
        client.set_registered_model_alias(entry.name, alias, entry.version)
        # Setting it moved the alias onto this version and changed nothing else of it.
        return _with_alias(entry, alias)

    def _complete_alias(
        self, client: Any, entry: ModelRegistryEntry, alias: str | None
    ) -> ModelRegistryEntry:
        """A repeated registration sets its alias only if nobody has set that alias since:
        moving it back would undo a later promotion."""
        if alias is None or alias in _aliases(client.get_registered_model(entry.name)):
            return entry
        return self._ensure_alias(client, entry, alias)

    def _find_by_idempotency_key(
        self, client: Any, name: str, key: str
    ) -> ModelRegistryEntry | None:
        return self._keep_first(client, name, key)

    def _keep_first(
        self, client: Any, name: str, key: str, created: Any = None
    ) -> ModelRegistryEntry | None:
        """The lowest version holding ``key``; any later one is a create that landed after its
        client gave up (and a retry made another), so it is removed.

        ``created``: the version this call just created, whose create answer is whole already.
        """
        holding = sorted(
            self._matching(client, name, {TAG_IDEMPOTENCY_KEY: key}),
            key=lambda v: int(v.version),
        )
        if not holding:
            return None
        first, *later = holding
        for duplicate in later:
            self._retire(client, duplicate, str(first.version))
        if created is not None and str(created.version) == str(first.version):
            # The create answered with the whole version, and a version made a moment ago has
            # no aliases yet: reading it back would tell nothing new.
            return self._entry(created)
        # Search results carry no aliases on a real server; get the full version.
        return self._entry(client.get_model_version(name, first.version))

    def _retire(self, client: Any, duplicate: Any, kept: str) -> None:
        name, version = duplicate.name, str(duplicate.version)
        logger.warning(
            "Model %r version %s repeats version %s (one registration that landed twice); "
            "removing it.",
            name,
            version,
            kept,
        )
        try:
            client.delete_model_version(name, version)
        except Exception:
            # Not allowed to delete: take the key off it, so that nothing finds it as this
            # registration, and say what it is.
            client.set_model_version_tag(name, version, TAG_DUPLICATE_OF, kept)
            client.delete_model_version_tag(name, version, TAG_IDEMPOTENCY_KEY)

    def settle(self, name: str, key: str) -> ModelRegistryEntry | None:
        """Look for late duplicates of the registration ``key`` and remove them; returns the
        version that holds it."""
        with self._operation(f"checking {name!r} for duplicate versions") as client:
            return self._keep_first(client, name, key)

    def _experiment_id(self, client: Any) -> str:
        if self._experiment_id_known is None:
            self._experiment_id_known = self._find_or_create_experiment(client)
        return self._experiment_id_known

    def _find_or_create_experiment(self, client: Any) -> str:
        experiment = client.get_experiment_by_name(self._experiment)
        if experiment is not None:
            return str(experiment.experiment_id)
        # A store the SDK opens itself keeps artifacts under HOKUSAI_HOME; a tracking server
        # (a local `mlflow server` as the "local" store) decides where its artifacts go.
        serves_itself = self._uri.startswith(("http://", "https://"))
        location = (
            Path(self._artifact_root).as_uri()
            if self._artifact_root and not serves_itself
            else None
        )
        try:
            return str(client.create_experiment(self._experiment, artifact_location=location))
        except Exception as exc:
            if getattr(exc, "error_code", None) != "RESOURCE_ALREADY_EXISTS":
                raise
            # Another process created it between our get and create.
            return str(client.get_experiment_by_name(self._experiment).experiment_id)

    def _log_model(
        self, client: Any, request: RegistrationRequest
    ) -> tuple[str, str | None, str | None, bool]:
        """Upload the model files; returns (version source, run id, logged model id, whether
        the registered model exists already)."""
        assert request.source.local_dir is not None
        run, experiment_id = self._create_run(client, f"register-{request.name}")
        run_id = run.info.run_id
        logged = client.create_logged_model(
            experiment_id=experiment_id,
            name=request.name,
            source_run_id=run_id,
            tags={TAG_IDEMPOTENCY_KEY: request.idempotency_key},
        )
        self._upload(client, logged, request.source.local_dir)
        # Independent of each other: wait for their answers at once. The registered model is
        # only looked up here; it is created (if need be) once the model is logged.
        finish: list[Callable[[], object]] = [
            lambda: self._registered_model_exists(client, request.name),
            lambda: client.finalize_logged_model(logged.model_id, "READY"),
            lambda: client.set_terminated(run_id),
        ]
        if request.metrics:
            metrics = _metric_entities(request.metrics, logged.model_id)
            finish.append(lambda: client.log_batch(run_id, metrics=metrics))
        named, *_ = run_all(finish, at_most=len(finish) if self._is_routed else 1)
        return str(logged.artifact_location), run_id, str(logged.model_id), bool(named)

    def _create_run(self, client: Any, run_name: str) -> tuple[Any, str]:
        """A new run in the experiment; returns (run, experiment id).

        The experiment's id is remembered from earlier registrations; when the run cannot be
        created in it (the experiment was deleted, or deleted for good and made again under
        the same name), the id is looked up once more.
        """
        remembered = self._experiment_id_known
        experiment_id = self._experiment_id(client)
        tags = {"mlflow.runName": run_name}
        try:
            return client.create_run(experiment_id, tags=tags), experiment_id
        except Exception as exc:
            if remembered is None or getattr(exc, "error_code", None) not in _EXPERIMENT_GONE:
                raise
            self._experiment_id_known = None
            current = self._experiment_id(client)
            if current == experiment_id:
                raise
        return client.create_run(current, tags=tags), current

    def _upload(self, client: Any, logged: Any, local_dir: Path) -> None:
        """The model's files into the logged model's artifact location.

        MLflow's ``log_model_artifacts`` reads the logged model back for that location, which
        the create already answered with: through the registry's transport, go there direct.
        """
        if not self._is_routed:
            client.log_model_artifacts(logged.model_id, str(local_dir))
            return
        from hokusai.mlflow_internals.routes import artifact_repository

        assert self._transport is not None
        location = str(logged.artifact_location)
        artifact_repository(location, self._transport, self._uri).log_artifacts(str(local_dir))

    def _resolve_uri(self, client: Any, uri: str) -> tuple[str, str | None, str | None]:
        """What an existing ``runs:/`` or ``models:/`` URI points at, found by reads alone.

        Raises ModelNotFoundError when the run, version, alias or logged model does not exist.
        """
        ref = uris.parse(uri)
        if ref.kind == "run":
            logged = _logged_model_at(client, client.get_run(ref.ref), uri)
            if logged is not None:
                return str(logged.artifact_location), ref.ref, str(logged.model_id)
            return uri, ref.ref, None
        if ref.kind == "logged_model":
            logged = client.get_logged_model(ref.ref)
            return str(logged.artifact_location), logged.source_run_id, str(logged.model_id)
        assert ref.name is not None
        version = self._version_named(client, ref)
        existing = client.get_model_version(ref.name, version)
        return str(existing.source), existing.run_id, _logged_model_id(existing)

    def _version_named(self, client: Any, ref: uris.ModelReference) -> str:
        assert ref.name is not None
        if ref.kind == "version":
            return ref.ref
        found = (
            _aliases(client.get_registered_model(ref.name)).get(ref.ref)
            if ref.kind == "alias"
            else self._newest(client, ref.name)
        )
        if found is None:
            what = f"alias {ref.ref!r}" if ref.kind == "alias" else "versions"
            raise ModelNotFoundError(
                f"{ref.uri!r}: model {ref.name!r} has no {what}.",
                error_code="RESOURCE_DOES_NOT_EXIST",
                uri=self._uri,
            )
        return str(found)

    def _registered_model_exists(self, client: Any, name: str) -> bool:
        # MLflow has no create-if-absent: look first.
        try:
            client.get_registered_model(name)
        except Exception as exc:
            if getattr(exc, "error_code", None) != "RESOURCE_DOES_NOT_EXIST":
                raise
            return False
        return True

    def _create_registered_model(self, client: Any, name: str) -> None:
        try:
            client.create_registered_model(name)
        except Exception as exc:
            # Another worker of a sweep created it between our look and our create.
            if getattr(exc, "error_code", None) != "RESOURCE_ALREADY_EXISTS":
                raise

    # -- reads --------------------------------------------------------------------------------

    def _entry(self, version: Any) -> ModelRegistryEntry:
        tags = dict(version.tags or {})
        return ModelRegistryEntry(
            name=version.name,
            version=str(version.version),
            target=self._target,
            tracking_uri=self._uri,
            model_id=tags.get(TAG_MODEL_ID),
            run_id=version.run_id or None,
            source=version.source,
            logged_model_id=_logged_model_id(version),
            tags=tags,
            aliases=tuple(version.aliases or ()),
            idempotency_key=tags.get(TAG_IDEMPOTENCY_KEY),
        )

    def get_version(self, name: str, version: str) -> ModelRegistryEntry:
        with self._operation(f"reading {name!r} version {version}") as client:
            return self._entry(client.get_model_version(name, str(version)))

    def search_versions(
        self, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> list[ModelRegistryEntry]:
        with self._operation("searching model versions") as client:
            entries = [self._entry(v) for v in self._matching(client, name, dict(tags or {}))]
        return sorted(entries, key=lambda e: (e.name, int(e.version or 0)))

    def latest_version(self, name: str) -> ModelRegistryEntry | None:
        with self._operation(f"reading the newest version of {name!r}") as client:
            newest = self._newest(client, name)
            return None if newest is None else self._entry(client.get_model_version(name, newest))

    def _newest(self, client: Any, name: str) -> str | None:
        """The highest version number of ``name``: one request, however many versions it has."""
        top = self._pages(
            client, search_filter(name, {}), order_by=["version_number DESC"], page_size=1
        )
        for version in top:
            if version.name == name:
                return str(version.version)
            # A name the filter could only approximate: read on, in version order.
        return None

    def _matching(self, client: Any, name: str | None, tags: Mapping[str, str]) -> Iterator[Any]:
        """Every version named ``name`` holding ``tags``, from every page of a server-side search.

        The server's filter does the work; the check here keeps exact matches only, for values
        the filter could only approximate (see ``search_filter``).
        """
        for version in self._pages(client, search_filter(name, tags)):
            held = version.tags or {}
            if (name is None or version.name == name) and all(
                held.get(k) == v for k, v in tags.items()
            ):
                yield version

    def _pages(
        self,
        client: Any,
        filter_string: str | None,
        *,
        order_by: list[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[Any]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = client.search_model_versions(
                filter_string,
                max_results=page_size or self._page_size,
                order_by=order_by,
                page_token=token,
            )
            yield from page
            token = page.token or None
            if token is None or token in seen:  # a server repeating a token would loop forever
                return
            seen.add(token)

    def get_by_alias(self, name: str, alias: str) -> ModelRegistryEntry | None:
        # Not through the registered model's alias table: MLflow's SQL store answers
        # registered-models/get by loading every version of the model (1.4 s with 20,000).
        # "latest" is no alias (none can be set under it): MLflow would answer the newest version.
        if alias.lower() == "latest":
            return None
        try:
            with self._operation(f"reading alias {alias!r} of {name!r}") as client:
                try:
                    return self._entry(client.get_model_version_by_alias(name, alias))
                except Exception as exc:
                    # MLflow's answer for an alias that is not set (on a 3.9 server, also for a
                    # missing model); newer servers answer a missing model with a 404.
                    if getattr(exc, "error_code", None) == "INVALID_PARAMETER_VALUE":
                        return None
                    raise
        except ModelNotFoundError:
            return None

    def set_alias(self, name: str, alias: str, version: str) -> None:
        with self._operation(f"setting alias {alias!r} of {name!r}") as client:
            client.set_registered_model_alias(name, alias, str(version))

    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        with self._operation(f"tagging {name!r} version {version}") as client:
            # MLflow has no batch call for version tags; check the version exists first so
            # that a wrong version fails before any tag is written.
            client.get_model_version(name, str(version))
            for key, value in tags.items():
                client.set_model_version_tag(name, str(version), key, value)

    def delete_version(self, name: str, version: str) -> None:
        with self._operation(f"deleting {name!r} version {version}") as client:
            client.delete_model_version(name, str(version))

    def download(self, name: str, version: str, dst: Path) -> Path:
        with self._operation(f"downloading {name!r} version {version}", threads=True) as client:
            source = client.get_model_version(name, str(version)).source
            if self._transport is None:
                from mlflow.artifacts import download_artifacts

                local = download_artifacts(
                    artifact_uri=source, dst_path=str(dst), tracking_uri=self._uri
                )
            else:
                local = self._download_routed(client, source, dst)
        return Path(local)

    def _download_routed(self, client: Any, source: str, dst: Path) -> str:
        """As ``mlflow.artifacts.download_artifacts`` does (the last path segment lands in
        ``dst``), through this registry's transport."""
        from hokusai.mlflow_internals.routes import artifact_repository

        assert self._transport is not None
        location = source
        if source.startswith("runs:/"):
            run_id, _, path = source[len("runs:/") :].partition("/")
            location = client.get_run(run_id).info.artifact_uri.rstrip("/") + f"/{path}"
        root, _, leaf = location.rstrip("/").rpartition("/")
        dst.mkdir(parents=True, exist_ok=True)
        repo = artifact_repository(root, self._transport, self._uri)
        return str(repo.download_artifacts(leaf, str(dst)))


def search_filter(name: str | None, tags: Mapping[str, str]) -> str | None:
    """An MLflow search filter for ``name`` and tag equalities, so the server does the work.

    MLflow's filter language has no escapes: a value is quoted with ``'`` or ``"``, whichever
    it does not hold. A value holding both, or a backslash (which ends a quoted value early
    in MLflow's parser), becomes a ``LIKE`` pattern with those characters as ``_`` wildcards:
    the server returns a few more versions than asked for, and the caller keeps exact matches.
    A tag key MLflow would not accept in a filter is left out, and matched by the caller.
    """
    clauses = [_clause("name", name)] if name else []
    clauses += [_clause(f"tags.`{k}`", v) for k, v in tags.items() if _FILTER_KEY.fullmatch(k)]
    return " AND ".join(clauses) or None


# What MLflow accepts as a tag key (letters, digits, '_', '-', '.', ' ', '/'): no backquote.
_FILTER_KEY = re.compile(r"[\w.\- /]+")


def _clause(field: str, value: str) -> str:
    if "\\" not in value:
        for quote in ("'", '"'):
            if quote not in value:
                return f"{field} = {quote}{value}{quote}"
    pattern = re.sub(r"['\"\\]", "_", value)
    return f"{field} LIKE '{pattern}'"


def _metric_entities(metrics: Mapping[str, float], model_id: str) -> list[Any]:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    return [Metric(name, value, now, 0, model_id=model_id) for name, value in metrics.items()]


def _with_alias(entry: ModelRegistryEntry, alias: str) -> ModelRegistryEntry:
    return ModelRegistryEntry(
        name=entry.name,
        version=entry.version,
        target=entry.target,
        tracking_uri=entry.tracking_uri,
        model_id=entry.model_id,
        run_id=entry.run_id,
        source=entry.source,
        logged_model_id=entry.logged_model_id,
        tags=entry.tags,
        aliases=(*entry.aliases, alias),
        idempotency_key=entry.idempotency_key,
    )


def _aliases(registered_model: Any) -> dict[str, str]:
    """MLflow returns a registered model's aliases as a dict or a list of alias entities."""
    raw = registered_model.aliases or {}
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {str(a.alias): str(a.version) for a in raw}


def _logged_model_id(version: Any) -> str | None:
    # MLflow's client drops model_id when it parses a model version, so versions this SDK
    # creates carry it as a tag too.
    return getattr(version, "model_id", None) or (version.tags or {}).get(TAG_LOGGED_MODEL_ID)


def _schema_race(exc: Exception) -> bool:
    text = str(exc).lower()
    return "already exists" in text or "duplicate column" in text


def _logged_model_at(client: Any, run: Any, uri: str) -> Any:
    """The logged model ``runs:/<run>/<path>`` names, when the run logged one under that name.

    MLflow 3's ``log_model`` keeps the files in the logged model's own location, not in the
    run's artifact directory, which a ``runs:/`` version source would point at.
    """
    path = uri[len("runs:/") :].partition("/")[2].strip("/")
    outputs = getattr(run, "outputs", None)
    for output in getattr(outputs, "model_outputs", None) or ():
        logged = client.get_logged_model(output.model_id)
        if logged.name == path:
            return logged
    return None
