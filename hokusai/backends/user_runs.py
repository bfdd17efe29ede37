"""Models the user logged with MLflow's own API, in the process's current tracking store.

The platform's documented flow logs a model with ``mlflow.start_run()`` and
``mlflow.<flavor>.log_model`` (which write to MLflow's process default store: ``sqlite:///mlflow.db``
in the working directory, or wherever ``mlflow.set_tracking_uri``/``MLFLOW_TRACKING_URI``
points), then passes ``runs:/<run_id>/model`` to the registry. When the registry does not hold
that run, its files are read from the user's store with a plain ``MlflowClient`` and registered
as a model directory is. The user's store is only read, never written or created, and never
receives a Hokusai key: it is a different origin from the registry's.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from hokusai.connection import request_auth
from hokusai.errors import ModelNotFoundError, mask_keys
from hokusai.flavors import uris
from hokusai.models import TAG_METRICS, ModelSource, RegistrationRequest, metrics_from_tags
from hokusai.platform.validation import MAX_TAG_VALUE

logger = logging.getLogger(__name__)

# Where a copied model came from: the run (or logged model) and the store, as shown to people.
TAG_COPIED_FROM_RUN = "hokusai.copied_from_run_id"
TAG_COPIED_FROM_MODEL = "hokusai.copied_from_logged_model_id"
TAG_COPIED_FROM_STORE = "hokusai.copied_from_store"

NEXT_STEP = (
    "Log the model inside mlflow.start_run() with mlflow.<flavor>.log_model(model, name='model') "
    "in this process's MLflow tracking store (mlflow.get_tracking_uri()) and pass "
    "runs:/<run_id>/model, check the run id, or pass the model object itself."
)


def current_tracking_uri() -> str:
    """MLflow's current tracking URI, as the user's own ``mlflow.*`` calls use it."""
    import mlflow

    return str(mlflow.get_tracking_uri())


def plain_client(uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


@dataclass(frozen=True)
class CopiedModel:
    """A model's files read from the user's store, and what is kept of its run."""

    local_dir: Path
    store: str  # masked, for tags and messages
    run_id: str | None
    logged_model_id: str | None
    metrics: dict[str, float]

    def applied_to(self, request: RegistrationRequest) -> RegistrationRequest:
        """``request`` for these files: the run's metrics under the caller's, where it came from."""
        tags = dict(request.tags)
        kept = {**self.metrics, **metrics_from_tags(tags)}
        merged = json.dumps(kept)
        if kept and len(merged) <= MAX_TAG_VALUE:
            tags[TAG_METRICS] = merged
        elif kept:
            logger.info("The run's %d metrics do not fit on the version's tag.", len(kept))
        tags[TAG_COPIED_FROM_STORE] = self.store[:MAX_TAG_VALUE]
        if self.run_id:
            tags[TAG_COPIED_FROM_RUN] = self.run_id
        if self.logged_model_id:
            tags[TAG_COPIED_FROM_MODEL] = self.logged_model_id
        return replace(request, source=ModelSource(local_dir=self.local_dir), tags=tags)


class UserRuns:
    """The process's current MLflow tracking store, as a place a model URI may point into.

    ``registry_uris``: the stores of the registry itself (remote and local); a current
    tracking URI that is one of them (or on the origin of any bound key) is not looked into.
    """

    def __init__(
        self,
        registry_uris: Sequence[str],
        *,
        client_factory: Callable[[str], Any] = plain_client,
        current_uri: Callable[[], str] = current_tracking_uri,
    ) -> None:
        self._registry_uris = tuple(registry_uris)
        self._client_factory = client_factory
        self._current_uri = current_uri

    def is_registry(self, uri: str) -> bool:
        """Whether ``uri`` is the registry's own store (or on the origin of any bound key)."""
        if uri.startswith("hokusai:") or request_auth.bound_origin(uri):
            return True
        return any(_same_store(uri, mine) for mine in self._registry_uris)

    @contextmanager
    def copied(self, uri: str, missing: ModelNotFoundError) -> Iterator[CopiedModel]:
        """The model ``uri`` names in the user's store, as files in a temporary directory.

        Raises ``missing`` unchanged when the current tracking store is the registry's own,
        and a ModelNotFoundError naming both places when the user's store lacks it too.
        """
        ref = uris.parse(uri)
        current = _resolved(self._current_uri())
        if ref.kind not in ("run", "logged_model") or self.is_registry(current):
            raise missing
        shown = mask_keys(current)
        if not _exists(current):
            # Opening a missing database would create one in the user's directory.
            raise _nowhere(uri, missing, shown, "nothing is stored there") from missing
        with tempfile.TemporaryDirectory(prefix="hokusai-user-run-") as tmp:
            with request_auth.keyless():
                try:
                    found = self._fetch(self._client_factory(current), current, ref, tmp)
                except Exception as exc:
                    raise _nowhere(uri, missing, shown, _reason(exc)) from exc
            if isinstance(found, str):
                raise _nowhere(uri, missing, shown, found) from missing
            local_dir, run_id, logged_id, metrics = found
            logger.info(
                "Copied the model %s from your MLflow run in %s to the registry.", uri, shown
            )
            yield CopiedModel(local_dir, shown, run_id, logged_id, metrics)

    def _fetch(
        self, client: Any, store: str, ref: uris.ModelReference, tmp: str
    ) -> tuple[Path, str | None, str | None, dict[str, float]] | str:
        """The files and what is kept of the run; a string says why there are none."""
        from mlflow.artifacts import download_artifacts

        if ref.kind == "run":
            run = _absent_is_none(lambda: client.get_run(ref.ref))
            if run is None:
                return f"it has no run {ref.ref!r} either"
            run_id, logged_id, metrics = ref.ref, None, dict(run.data.metrics or {})
            source = ref.uri
        else:
            logged = _absent_is_none(lambda: client.get_logged_model(ref.ref))
            if logged is None:
                return f"it has no logged model {ref.ref!r} either"
            run_id, logged_id = logged.source_run_id, str(logged.model_id)
            metrics = {m.key: m.value for m in (logged.metrics or [])}
            source = str(logged.artifact_location)
        try:
            local = Path(download_artifacts(artifact_uri=source, dst_path=tmp, tracking_uri=store))
        except Exception as exc:
            return f"the run is there, but its files could not be read ({_reason(exc)})"
        if not (local / "MLmodel").is_file():
            return "the run is there, but holds no MLflow model (MLmodel file) at that path"
        finite = {str(k): float(v) for k, v in metrics.items() if math.isfinite(float(v))}
        return local, run_id, logged_id, finite


def _absent_is_none(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except Exception as exc:
        if getattr(exc, "error_code", None) in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
            return None
        raise


def _reason(exc: Exception) -> str:
    return f"it could not be read: {type(exc).__name__}: {mask_keys(str(exc))[:300]}"


def _resolved(uri: str) -> str:
    """A relative sqlite path made absolute, as MLflow opens it from the working directory."""
    if uri.startswith("sqlite:///"):
        raw, mark, query = uri[len("sqlite:///") :].partition("?")
        return f"sqlite:///{Path(unquote(raw)).expanduser().resolve()}{mark}{query}"
    return uri


def _exists(uri: str) -> bool:
    if uri.startswith("sqlite:///"):
        return Path(uri[len("sqlite:///") :].partition("?")[0]).is_file()
    if uri.startswith("file:") or "://" not in uri:
        return Path(unquote(urlsplit(uri).path) if uri.startswith("file:") else uri).is_dir()
    return True


def _nowhere(uri: str, missing: ModelNotFoundError, store: str, why: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"{uri!r} is not in the registry at {mask_keys(missing.uri or 'the registry')}, and "
        f"this process's MLflow tracking store {store} was looked in too: {why}.",
        error_code="RESOURCE_DOES_NOT_EXIST",
        uri=missing.uri,
        hint=NEXT_STEP,
    )


def _same_store(uri: str, registry_uri: str) -> bool:
    if uri.startswith(("http://", "https://")):
        return request_auth.same_origin(uri, registry_uri)
    if uri.startswith("sqlite:///") and registry_uri.startswith("sqlite:///"):
        return _resolved(uri) == _resolved(registry_uri)
    return uri == registry_uri
