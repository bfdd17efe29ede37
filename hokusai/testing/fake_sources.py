"""Which ``source`` a new model version may name, as the installed release's server decides.

Followed from MLflow's ``mlflow.server.handlers`` (``_create_model_version`` and the
``_validate_source_*`` checks it calls) and the SQL registry store's resolution of a
``models:/`` source, which ship in ``mlflow-skinny`` but cannot be imported there. Every
server refuses a local path and a path with relative parts; from 3.10 on (``rules``) the
server also requires a ``runs:/``, ``models:/<model_id>`` or ``mlflow-artifacts:`` source to lie
in the run or logged model the request names, refuses host-addressed schemes (``https:``), and
resolves ``models:/<name>/<version|alias|latest>`` to that version, taking its run.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, unquote_plus, urlparse

from mlflow.exceptions import MlflowException

from hokusai.mlflow_internals import parse_model_uri
from hokusai.testing import mlflow_rules as rules
from hokusai.testing.fake_api import (
    ARTIFACTS_SCHEME,
    ApiError,
    ApiRequest,
    MlflowStore,
    invalid,
)
from hokusai.testing.fake_entities import ModelVersion


@dataclass(frozen=True)
class Source:
    """What the server stores for a new version: its source, run and logged model."""

    source: str
    run_id: str
    model_id: str


def source_of(store: MlflowStore, request: ApiRequest) -> Source:
    """The request's source, run_id and model_id once the server has checked (and, for a
    registered model's version, resolved) them; raises what the server answers otherwise."""
    source = request.required("source")
    run_id, model_id = request.text("run_id"), request.text("model_id")
    rules.validate_source_scheme(source)
    if rules.source_lineage:
        source, run_id, model_id = _resolve_lineage(
            store,
            source,
            run_id,
            model_id,
            has_run_id=request.params.get("run_id") is not None,
            has_model_id=request.params.get("model_id") is not None,
        )
    if model_id:
        _check_model_source(store, source, model_id)
    else:
        _check_run_source(store, source, run_id)
    _fetchable(store, source)
    return Source(source, run_id, model_id)


def _resolve_lineage(
    store: MlflowStore,
    source: str,
    run_id: str,
    model_id: str,
    *,
    has_run_id: bool,
    has_model_id: bool,
) -> tuple[str, str, str]:
    parsed = urlparse(source)
    if parsed.scheme != "models":
        return source, run_id, model_id
    if parsed.netloc:
        raise invalid(
            f"Invalid model version source: '{source}'. Registered model sources must use the "
            "active model registry."
        )
    uri = _parsed(source, "model_id")
    if uri.model_id is not None:
        return source, run_id, model_id
    version = _referenced_version(store, uri)
    # The SQL store keeps no model_id on a version: any given model_id differs from it.
    if (has_run_id and run_id != version.run_id) or (has_model_id and model_id):
        raise invalid(
            f"Invalid model version source: '{source}'. The run_id and model_id request "
            "parameters must match the referenced model version."
        )
    resolved = f"models:/{version.name}/{version.version}"
    return resolved, run_id if has_run_id else version.run_id, model_id if has_model_id else ""


def _referenced_version(store: MlflowStore, uri: Any) -> ModelVersion:
    model = store.registered_model(uri.name)
    if uri.version is not None:
        return store.model_version(model.name, uri.version)
    if uri.alias is not None:
        if uri.alias not in model.aliases:
            raise invalid(f"Registered model alias {uri.alias} not found.")
        return store.model_version(model.name, str(model.aliases[uri.alias]))
    latest = model.latest_versions([uri.stage] if uri.stage else None)
    if not latest:
        raise ApiError(
            500,
            "INTERNAL_ERROR",
            f"No versions of model with name '{model.name}' and stage '{uri.stage}' found",
        )
    return max(latest, key=lambda v: v.version)


def _check_run_source(store: MlflowStore, source: str, run_id: str) -> None:
    if rules.is_local_uri(source):
        # A local path could only lie inside a run's artifacts stored on the server's disk;
        # this server's artifacts are all mlflow-artifacts:/ URIs.
        raise invalid(_local_source_message(source, "run_id"))
    _no_relative_parts(source)
    if not rules.source_in_run_or_model:
        return
    parsed = urlparse(source)
    source_run_id = source[len("runs:/") :].split("/")[0]
    if parsed.scheme == "runs" and (parsed.netloc or not run_id or source_run_id != run_id):
        raise _not_contained(source, "run_id")
    if parsed.scheme == "models" and (
        parsed.netloc or _parsed(source, "model_id").model_id is not None
    ):
        raise _not_contained(source, "model_id")
    if _is_artifact_source(source):
        roots = [store.runs[run_id].artifact_uri] if run_id in store.runs else []
        if not any(_within(source, root) for root in roots):
            raise _not_contained(source, "run_id")


def _check_model_source(store: MlflowStore, source: str, model_id: str) -> None:
    if rules.is_local_uri(source):
        raise invalid(_local_source_message(source, "model_id"))
    _no_relative_parts(source)
    if not rules.source_in_run_or_model:
        return
    parsed = urlparse(source)
    if parsed.scheme == "models":
        if parsed.netloc:
            raise _not_contained(source, "model_id")
        source_model_id = _parsed(source, "model_id").model_id
        if source_model_id is not None and source_model_id != model_id:
            raise _not_contained(source, "model_id")
    if parsed.scheme == "runs":
        raise _not_contained(source, "model_id")
    if _is_artifact_source(source):
        model = store.logged_models.get(model_id)
        if model is None or not _within(source, model.artifact_location):
            raise _not_contained(source, "model_id")


def _fetchable(store: MlflowStore, source: str) -> None:
    """The store's own resolution of a ``models:/`` source (every release): a version it
    cannot find is a failure of the server (500), not of the request."""
    if urlparse(source).scheme != "models":
        return
    try:
        uri = parse_model_uri(source)
        if uri.model_id is not None:
            store.logged_model(uri.model_id)
        else:
            # The store asks for the download URI of (name, version): version None for an
            # alias, a stage or "latest", which it cannot find.
            store.model_version(uri.name, str(uri.version))
    except (ApiError, MlflowException) as error:
        raise ApiError(
            500,
            "INTERNAL_ERROR",
            f"Unable to fetch model from model URI source artifact location '{source}'."
            f"Error: {error}",
        ) from error


def _parsed(source: str, id_name: str) -> Any:
    try:
        return parse_model_uri(source)
    except MlflowException as error:
        raise _not_contained(source, id_name) from error


def _no_relative_parts(source: str) -> None:
    """MLflow's refusal of ``..``, ``.`` or NUL in a source's path, however often quoted."""
    while (unquoted := unquote_plus(source)) != source:
        source = unquoted
    path = re.sub(r"/+", "/", urlparse(source).path.rstrip("/"))
    # The server resolves the path against its own working directory: a relative (or empty)
    # path never resolves to itself.
    normal = posixpath.normpath(path) if path.startswith("/") else None
    if "\x00" in path or ".." in source.split("/") or normal != path:
        raise invalid(
            f"Invalid model version source: '{source}'. If supplying a source as an http, "
            "https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute "
            "path must be provided without relative path references present. Please provide "
            "an absolute path."
        )


def _local_source_message(source: str, id_name: str) -> str:
    return (
        f"Invalid model version source: '{source}'. To use a local path as a model version "
        f"source, the {id_name} request parameter has to be specified and the local path has "
        f"to be contained within the artifact directory of the run specified by the {id_name}."
    )


def _not_contained(source: str, id_name: str) -> ApiError:
    return invalid(
        f"Invalid model version source: '{source}'. The {id_name} request parameter must "
        "identify the resource that contains the source."
    )


def _uri_parts(uri: str) -> tuple[str, str, tuple[str, ...]]:
    parsed = urlparse(uri)
    parts = []
    for part in parsed.path.split("/"):
        while (unquoted := unquote(part)) != part:
            part = unquoted
        if part:
            parts.append(part)
    return parsed.scheme.lower(), parsed.netloc.lower(), tuple(parts)


def _within(source: str, root: str) -> bool:
    scheme, authority, parts = _uri_parts(source)
    root_scheme, root_authority, root_parts = _uri_parts(root)
    return (
        (scheme, authority) == (root_scheme, root_authority)
        and bool(root_parts)
        and parts[: len(root_parts)] == root_parts
    )


def _is_artifact_source(source: str) -> bool:
    """An ``mlflow-artifacts:`` URI, or an http(s) URL of the artifact service."""
    scheme, _, parts = _uri_parts(source)
    if source.startswith(ARTIFACTS_SCHEME):
        return True
    route = ("api", "2.0", "mlflow-artifacts", "artifacts")
    return scheme in {"http", "https"} and any(
        parts[i : i + len(route)] == route for i in range(len(parts) - len(route) + 1)
    )
