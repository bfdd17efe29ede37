"""An in-memory MLflow tracking server and model registry, spoken to over MLflow's REST API.

:class:`FakeMlflowState` answers the upstream requests that the fake registry's proxy forwards
(paths without the ``/api/mlflow`` mount). It keeps real state with the semantics of an
``mlflow server --serve-artifacts`` backed by a database: ids, version numbers, aliases, tags,
``mlflow-artifacts:/`` artifact locations, and MLflow's error codes with their HTTP statuses.
All access goes through one lock, so several threads (MLflow's download pool, or a test's
own threads) can share it.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, unquote

from hokusai.testing import fake_search
from hokusai.testing.fake_entities import (
    Experiment,
    JsonDict,
    LoggedModel,
    Metric,
    ModelVersion,
    RegisteredModel,
    Run,
    now_ms,
)

ARTIFACTS_SCHEME = "mlflow-artifacts:"
_ARTIFACTS_ROOT = "/api/2.0/mlflow-artifacts/artifacts"
_RUN_STATUSES = ["", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]
_MODEL_STATUSES = [
    "LOGGED_MODEL_STATUS_UNSPECIFIED",
    "LOGGED_MODEL_PENDING",
    "LOGGED_MODEL_READY",
    "LOGGED_MODEL_UPLOAD_FAILED",
]
_VIEW_TYPES = ["", "ACTIVE_ONLY", "DELETED_ONLY", "ALL"]
_PROMPT_TAG = "mlflow.prompt.is_prompt"
# What a database-backed `mlflow server --serve-artifacts` advertises, minus multipart
# transfers, which would send the client to presigned URLs the fake does not serve.
SERVER_INFO: JsonDict = {
    "store_type": "SqlStore",
    "workspaces_enabled": False,
    "trace_archival_enabled": False,
    "multipart_uploads_enabled": False,
    "multipart_downloads_enabled": False,
    "presigned_upload_run_id_supported": False,
    "presigned_upload_model_id_supported": False,
    "features_enabled": {"gateway": False},
}


# -- requests, replies and errors ------------------------------------------------------------
class ApiError(Exception):
    """An MLflow error answer: ``{"error_code": ..., "message": ...}`` with its HTTP status."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code

    def reply(self) -> ApiReply:
        return ApiReply.json({"error_code": self.error_code, "message": str(self)}, self.status)


def not_found(message: str) -> ApiError:
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", message)


def already_exists(message: str) -> ApiError:
    return ApiError(400, "RESOURCE_ALREADY_EXISTS", message)


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


@dataclass(frozen=True)
class ApiReply:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, payload: JsonDict, status: int = 200) -> ApiReply:
        return cls(status, json.dumps(payload).encode())


@dataclass(frozen=True)
class ApiRequest:
    """One upstream request: its parameters come from the JSON body, or the query for GET."""

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: bytes = b""
    user: str | None = None

    @classmethod
    def build(
        cls, method: str, path: str, query: str, body: bytes, user: str | None = None
    ) -> ApiRequest:
        params: dict[str, Any] = {
            key: values[0] if len(values) == 1 else values
            for key, values in parse_qs(query, keep_blank_values=True).items()
        }
        if body and not path.startswith(_ARTIFACTS_ROOT):
            try:
                params.update(json.loads(body))
            except (ValueError, TypeError) as exc:
                raise ApiError(400, "MALFORMED_REQUEST", f"Malformed JSON body: {exc}") from exc
        return cls(method.upper(), path, params, body, user)

    def text(self, name: str, default: str = "") -> str:
        value = self.params.get(name)
        return default if value is None else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise invalid(f"Missing value for required parameter '{name}'.")
        return value

    def number(self, name: str, default: int) -> int:
        try:
            return int(self.params.get(name) or default)
        except (TypeError, ValueError) as exc:
            raise invalid(f"Parameter '{name}' must be an integer.") from exc

    def items(self, name: str) -> list[Any]:
        value = self.params.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def pairs(self, name: str = "tags") -> dict[str, str]:
        return {str(i["key"]): str(i.get("value", "")) for i in self.items(name)}


def _enum(value: object, names: list[str]) -> str:
    # Protobuf JSON may carry an enum as its name or its number.
    text = str(value)
    if text.isdigit() and int(text) < len(names):
        return names[int(text)]
    return text


# -- the stored data ------------------------------------------------------------------------
@dataclass
class MlflowStore:
    """Plain data plus lookups that fail the way MLflow does."""

    experiments: dict[str, Experiment] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    logged_models: dict[str, LoggedModel] = field(default_factory=dict)
    registered_models: dict[str, RegisteredModel] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    next_experiment_id: int = 1

    def __post_init__(self) -> None:
        if not self.experiments:
            self.experiments["0"] = Experiment("0", "Default", f"{ARTIFACTS_SCHEME}/0")

    def experiment(self, experiment_id: str) -> Experiment:
        if experiment_id not in self.experiments:
            raise not_found(f"No Experiment with id={experiment_id} exists")
        return self.experiments[experiment_id]

    def experiment_named(self, name: str) -> Experiment:
        for experiment in self.experiments.values():
            if experiment.name == name:
                return experiment
        raise not_found(f"Could not find experiment with name '{name}'")

    def run(self, run_id: str) -> Run:
        if run_id not in self.runs:
            raise not_found(f"Run with id={run_id} not found")
        return self.runs[run_id]

    def logged_model(self, model_id: str) -> LoggedModel:
        if model_id not in self.logged_models:
            raise not_found(f"Logged model with ID '{model_id}' not found.")
        return self.logged_models[model_id]

    def registered_model(self, name: str) -> RegisteredModel:
        if name not in self.registered_models:
            raise not_found(f"Registered Model with name={name} not found")
        return self.registered_models[name]

    def model_version(self, name: str, version: str) -> ModelVersion:
        model = self.registered_model(name)
        number = int(version) if version.isdigit() else -1
        if number not in model.versions:
            raise not_found(f"Model Version (name={name}, version={version}) not found")
        return model.versions[number]


# -- routing --------------------------------------------------------------------------------
Handler = Callable[[MlflowStore, ApiRequest], "JsonDict | ApiReply"]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def _route(method: str, path: str) -> Callable[[Handler], Handler]:
    # Paths without a leading slash live under MLflow's /api/2.0/mlflow/ REST root.
    full = path if path.startswith("/") else f"/api/2.0/mlflow/{path}"
    pattern = re.compile(full + "$")

    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, pattern, handler))
        return handler

    return register


def _dispatch(store: MlflowStore, request: ApiRequest) -> ApiReply:
    for method, pattern, handler in _ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            with_path = replace(request, params={**request.params, **match.groupdict()})
            result = handler(store, with_path)
            return result if isinstance(result, ApiReply) else ApiReply.json(result)
    # The production proxy turns MLflow's HTML 404 into JSON; the error_code lets MLflow's
    # client recognise a missing endpoint.
    body = {
        "error": "NOT_FOUND",
        "error_code": "ENDPOINT_NOT_FOUND",
        "message": f"No route for {request.method} {request.path}",
    }
    return ApiReply.json(body, 404)


class FakeMlflowState:
    """The fake's MLflow data; ``handle`` serves requests, the properties let tests look inside.

    The inspection properties return deep copies taken under the lock: change state through
    the API (or ``MlflowClient``), not by editing what they return.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._store = MlflowStore()

    def handle(
        self, method: str, path: str, query: str = "", body: bytes = b"", user: str | None = None
    ) -> ApiReply:
        try:
            request = ApiRequest.build(method, path, query, body, user)
            with self._lock:
                return _dispatch(self._store, request)
        except ApiError as error:
            return error.reply()
        except ValueError as error:  # a search filter or page token the fake cannot read
            return invalid(str(error)).reply()

    def reset(self) -> None:
        with self._lock:
            self._store = MlflowStore()

    @contextmanager
    def locked(self) -> Iterator[MlflowStore]:
        """The live store, for tests that need to arrange unusual state directly."""
        with self._lock:
            yield self._store

    def _snapshot(self, name: str) -> Any:
        with self._lock:
            return copy.deepcopy(getattr(self._store, name))

    @property
    def experiments(self) -> dict[str, Experiment]:
        return dict(self._snapshot("experiments"))

    @property
    def runs(self) -> dict[str, Run]:
        return dict(self._snapshot("runs"))

    @property
    def logged_models(self) -> dict[str, LoggedModel]:
        return dict(self._snapshot("logged_models"))

    @property
    def registered_models(self) -> dict[str, RegisteredModel]:
        return dict(self._snapshot("registered_models"))

    def model_versions(self, name: str) -> list[ModelVersion]:
        """The versions of one registered model, oldest first (empty if it does not exist)."""
        model = self.registered_models.get(name)
        return [] if model is None else [model.versions[n] for n in sorted(model.versions)]

    def artifact_paths(self, prefix: str = "") -> list[str]:
        """Stored artifact paths (``<exp>/<run>/artifacts/...``, ``<exp>/models/<id>/...``)."""
        with self._lock:
            return sorted(p for p in self._store.artifacts if p.startswith(prefix))

    def artifact(self, path: str) -> bytes:
        with self._lock:
            return self._store.artifacts[path]


# -- server, health and artifacts -------------------------------------------------------------
@_route("GET", "/api/3.0/mlflow/server-info")
def _server_info(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return dict(SERVER_INFO)


@_route("GET", "/health")
def _health(store: MlflowStore, request: ApiRequest) -> ApiReply:
    return ApiReply(200, b"OK", "text/plain")


def _artifact_path(request: ApiRequest, name: str = "artifact_path") -> str:
    path = unquote(request.text(name)).strip("/")
    if not path or ".." in path.split("/") or "\\" in path:
        raise invalid(f"Invalid artifact path: '{request.text(name)}'")
    return path


@_route("PUT", f"{_ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _upload_artifact(store: MlflowStore, request: ApiRequest) -> JsonDict:
    store.artifacts[_artifact_path(request)] = request.body
    return {}


@_route("GET", f"{_ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _download_artifact(store: MlflowStore, request: ApiRequest) -> ApiReply:
    path = _artifact_path(request)
    if path not in store.artifacts:
        raise not_found(f"Artifact '{path}' does not exist")
    return ApiReply(200, store.artifacts[path], "application/octet-stream")


@_route("GET", f"{_ARTIFACTS_ROOT}/?")
def _list_artifacts(store: MlflowStore, request: ApiRequest) -> JsonDict:
    prefix = _artifact_path(request, "path") + "/" if request.text("path").strip("/") else ""
    files: dict[str, JsonDict] = {}
    for path, content in store.artifacts.items():
        if not path.startswith(prefix):
            continue
        child, slash, _ = path[len(prefix) :].partition("/")
        if slash:
            files[child] = {"path": child, "is_dir": True}
        else:
            files.setdefault(child, {"path": child, "is_dir": False, "file_size": len(content)})
    # Like protobuf JSON, an empty listing has no "files" field at all.
    return {"files": [files[name] for name in sorted(files)]} if files else {}


@_route("DELETE", f"{_ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _delete_artifact(store: MlflowStore, request: ApiRequest) -> JsonDict:
    path = _artifact_path(request)
    for stored in [p for p in store.artifacts if p == path or p.startswith(path + "/")]:
        del store.artifacts[stored]
    return {}


def _within(uri: str, root: str) -> bool:
    root = root.rstrip("/")
    return uri == root or uri.startswith(root + "/")


# -- experiments ------------------------------------------------------------------------------
@_route("POST", "experiments/create")
def _create_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    name = request.required("name")
    if any(e.name == name for e in store.experiments.values()):
        raise already_exists(f"Experiment(name={name}) already exists.")
    experiment_id = str(store.next_experiment_id)
    store.next_experiment_id += 1
    location = request.text("artifact_location") or f"{ARTIFACTS_SCHEME}/{experiment_id}"
    store.experiments[experiment_id] = Experiment(
        experiment_id, name, location, tags=request.pairs()
    )
    return {"experiment_id": experiment_id}


@_route("GET", "experiments/get")
def _get_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"experiment": store.experiment(request.required("experiment_id")).to_json()}


@_route("GET", "experiments/get-by-name")
def _get_experiment_by_name(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"experiment": store.experiment_named(request.required("experiment_name")).to_json()}


def _visible(lifecycle_stage: str, view_type: object) -> bool:
    view = _enum(view_type or "ACTIVE_ONLY", _VIEW_TYPES)
    return view == "ALL" or (lifecycle_stage == "deleted") == (view == "DELETED_ONLY")


def _search(
    request: ApiRequest,
    candidates: list[Any],
    *,
    default_order: list[str],
    default_max: int,
    clauses: list[fake_search.Clause] | None = None,
) -> tuple[list[Any], str]:
    """Filter, order and page records that offer ``lookup(kind, key)``."""
    if clauses is None:
        clauses = fake_search.parse_filter(request.text("filter"))
    hits = [c for c in candidates if fake_search.matches_all(clauses, c.lookup)]
    order_by = [str(o) for o in request.items("order_by")] or default_order
    ordered = fake_search.order(hits, order_by, lambda item, key: item.lookup("attribute", key))
    max_results = request.number("max_results", default_max)
    return fake_search.page(ordered, max_results, request.text("page_token") or None)


def _paged(key: str, items: list[JsonDict], token: str) -> JsonDict:
    return {key: items, **({"next_page_token": token} if token else {})}


@_route("POST", "experiments/search")
def _search_experiments(store: MlflowStore, request: ApiRequest) -> JsonDict:
    view_type = request.params.get("view_type")
    candidates = [e for e in store.experiments.values() if _visible(e.lifecycle_stage, view_type)]
    found, token = _search(
        request,
        candidates,
        default_order=["creation_time DESC", "experiment_id ASC"],
        default_max=1000,
    )
    return _paged("experiments", [e.to_json() for e in found], token)


@_route("POST", "experiments/set-experiment-tag")
def _set_experiment_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment = store.experiment(request.required("experiment_id"))
    experiment.tags[request.required("key")] = request.text("value")
    experiment.last_update_time = now_ms()
    return {}


def _set_experiment_stage(request: ApiRequest, store: MlflowStore, stage: str) -> JsonDict:
    experiment = store.experiment(request.required("experiment_id"))
    experiment.lifecycle_stage = stage
    experiment.last_update_time = now_ms()
    return {}


@_route("POST", "experiments/delete")
def _delete_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return _set_experiment_stage(request, store, "deleted")


@_route("POST", "experiments/restore")
def _restore_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return _set_experiment_stage(request, store, "active")


# -- runs -------------------------------------------------------------------------------------
@_route("POST", "runs/create")
def _create_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment = store.experiment(request.text("experiment_id", "0"))
    tags = request.pairs()
    run_id = uuid.uuid4().hex
    run_name = request.text("run_name") or tags.get("mlflow.runName") or f"run-{len(store.runs)}"
    tags["mlflow.runName"] = run_name
    run = Run(
        run_id=run_id,
        experiment_id=experiment.experiment_id,
        run_name=run_name,
        user_id=request.text("user_id") or tags.get("mlflow.user", ""),
        artifact_uri=f"{experiment.artifact_location}/{run_id}/artifacts",
        start_time=request.number("start_time", now_ms()),
        tags=tags,
    )
    store.runs[run_id] = run
    return {"run": run.to_json()}


def _run_of(store: MlflowStore, request: ApiRequest) -> Run:
    return store.run(request.text("run_id") or request.required("run_uuid"))


@_route("GET", "runs/get")
def _get_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"run": _run_of(store, request).to_json()}


@_route("POST", "runs/update")
def _update_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    if "status" in request.params:
        run.status = _enum(request.params["status"], _RUN_STATUSES)
    if "end_time" in request.params:
        run.end_time = request.number("end_time", now_ms())
    if request.text("run_name"):
        run.run_name = run.tags["mlflow.runName"] = request.text("run_name")
    return {"run_info": run.info_json()}


@_route("POST", "runs/delete")
def _delete_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _run_of(store, request).lifecycle_stage = "deleted"
    return {}


@_route("POST", "runs/restore")
def _restore_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _run_of(store, request).lifecycle_stage = "active"
    return {}


def _log_param(run: Run, key: str, value: str) -> None:
    if run.params.get(key, value) != value:
        raise invalid(
            f"Changing param values is not allowed. Param with key='{key}' was already "
            f"logged with value='{run.params[key]}' for run ID='{run.run_id}'. "
            f"Attempted logging new value '{value}'."
        )
    run.params[key] = value


def _set_run_tag(run: Run, key: str, value: str) -> None:
    run.tags[key] = value
    if key == "mlflow.runName":
        run.run_name = value


def _metric(raw: Mapping[str, Any]) -> Metric:
    try:
        return Metric(
            key=str(raw["key"]),
            value=float(raw["value"]),
            timestamp=int(raw.get("timestamp") or now_ms()),
            step=int(raw.get("step") or 0),
            model_id=str(raw.get("model_id") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise invalid(f"Invalid metric {dict(raw)!r}: {exc}") from exc


@_route("POST", "runs/log-metric")
def _log_metric(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _run_of(store, request).metric_history.append(_metric(request.params))
    return {}


@_route("POST", "runs/log-parameter")
def _log_parameter(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _log_param(_run_of(store, request), request.required("key"), request.text("value"))
    return {}


@_route("POST", "runs/set-tag")
def _set_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _set_run_tag(_run_of(store, request), request.required("key"), request.text("value"))
    return {}


@_route("POST", "runs/delete-tag")
def _delete_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    key = request.required("key")
    if key not in run.tags:
        raise not_found(f"No tag with name: {key} in run with id {run.run_id}")
    del run.tags[key]
    return {}


@_route("POST", "runs/log-batch")
def _log_batch(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    for key, value in request.pairs("params").items():
        _log_param(run, key, value)
    for key, value in request.pairs("tags").items():
        _set_run_tag(run, key, value)
    run.metric_history.extend(_metric(raw) for raw in request.items("metrics"))
    return {}


@_route("POST", "runs/outputs")
def _log_outputs(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    for output in request.items("models"):
        model = store.logged_model(str(output.get("model_id", "")))
        run.model_outputs.append((model.model_id, int(output.get("step") or 0)))
    return {}


@_route("POST", "runs/log-inputs")
def _log_inputs(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    run.dataset_inputs.extend(request.items("datasets"))
    for model_input in request.items("models"):
        run.model_inputs.append(store.logged_model(str(model_input.get("model_id"))).model_id)
    return {}


@_route("GET", "metrics/get-history")
def _metric_history(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    key = request.required("metric_key")
    return {"metrics": [m.to_json() for m in run.metric_history if m.key == key]}


@_route("POST", "runs/search")
def _search_runs(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment_ids = {str(e) for e in request.items("experiment_ids")}
    view_type = request.params.get("run_view_type")
    candidates = [
        run
        for run in store.runs.values()
        if run.experiment_id in experiment_ids and _visible(run.lifecycle_stage, view_type)
    ]
    found, token = _search(
        request, candidates, default_order=["start_time DESC", "run_id ASC"], default_max=1000
    )
    return _paged("runs", [r.to_json() for r in found], token)


# -- logged models ----------------------------------------------------------------------------
@_route("POST", "logged-models")
def _create_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment = store.experiment(request.required("experiment_id"))
    source_run_id = request.text("source_run_id")
    if source_run_id:
        store.run(source_run_id)
    model_id = f"m-{uuid.uuid4().hex}"
    model = LoggedModel(
        model_id=model_id,
        experiment_id=experiment.experiment_id,
        name=request.text("name") or f"model-{len(store.logged_models)}",
        artifact_location=f"{experiment.artifact_location}/models/{model_id}/artifacts",
        source_run_id=source_run_id,
        model_type=request.text("model_type"),
        tags=request.pairs(),
        params=request.pairs("params"),
    )
    store.logged_models[model_id] = model
    return {"model": model.to_json()}


def _touched(model: LoggedModel) -> JsonDict:
    model.last_updated_timestamp_ms = now_ms()
    return {"model": model.to_json()}


@_route("GET", "logged-models/(?P<model_id>[^/]+)")
def _get_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"model": store.logged_model(request.required("model_id")).to_json()}


@_route("PATCH", "logged-models/(?P<model_id>[^/]+)")
def _finalize_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = store.logged_model(request.required("model_id"))
    model.status = _enum(request.required("status"), _MODEL_STATUSES)
    return _touched(model)


@_route("DELETE", "logged-models/(?P<model_id>[^/]+)")
def _delete_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    del store.logged_models[store.logged_model(request.required("model_id")).model_id]
    return {}


@_route("PATCH", "logged-models/(?P<model_id>[^/]+)/tags")
def _set_logged_model_tags(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = store.logged_model(request.required("model_id"))
    model.tags.update(request.pairs())
    return _touched(model)


@_route("DELETE", "logged-models/(?P<model_id>[^/]+)/tags/(?P<tag_key>.+)")
def _delete_logged_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = store.logged_model(request.required("model_id"))
    model.tags.pop(unquote(request.required("tag_key")), None)
    _touched(model)
    return {}


@_route("POST", "logged-models/(?P<model_id>[^/]+)/params")
def _log_logged_model_params(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = store.logged_model(request.required("model_id"))
    model.params.update(request.pairs("params"))
    _touched(model)
    return {}


@_route("POST", "logged-models/search")
def _search_logged_models(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment_ids = {str(e) for e in request.items("experiment_ids")}
    candidates = [m for m in store.logged_models.values() if m.experiment_id in experiment_ids]
    # This endpoint orders by objects ({"field_name", "ascending"}), not "field DESC" strings.
    order_by = [
        f"{o.get('field_name', '')} {'ASC' if o.get('ascending', True) else 'DESC'}"
        for o in request.items("order_by")
    ]
    found, token = _search(
        replace(request, params={**request.params, "order_by": order_by}),
        candidates,
        default_order=["creation_timestamp_ms DESC", "model_id ASC"],
        default_max=100,
    )
    return _paged("models", [m.to_json() for m in found], token)


# -- registered models -------------------------------------------------------------------------
@_route("POST", "registered-models/create")
def _create_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    name = request.required("name")
    if name in store.registered_models:
        raise already_exists(f"Registered Model (name={name}) already exists.")
    model = RegisteredModel(name, description=request.text("description"), tags=request.pairs())
    store.registered_models[name] = model
    return {"registered_model": model.to_json()}


def _registered(store: MlflowStore, request: ApiRequest) -> RegisteredModel:
    return store.registered_model(request.required("name"))


def _changed(model: RegisteredModel) -> JsonDict:
    model.last_updated_timestamp = now_ms()
    return {"registered_model": model.to_json()}


@_route("GET", "registered-models/get")
def _get_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"registered_model": _registered(store, request).to_json()}


def _is_prompt(model: RegisteredModel) -> bool:
    return model.tags.get(_PROMPT_TAG, "").lower() == "true"


def _registry_filter(
    request: ApiRequest, models: list[RegisteredModel]
) -> tuple[list[fake_search.Clause], list[RegisteredModel]]:
    """The filter's clauses, and the registered models (or prompts) it may match.

    MLflow's client adds ``tag.`mlflow.prompt.is_prompt` != 'true'`` to registry searches;
    the server reads that clause as "models, not prompts" (models carry no such tag, so as
    a tag comparison it would match nothing) and so does the fake.
    """
    clauses, want_prompts = [], False
    for clause in fake_search.parse_filter(request.text("filter")):
        if clause.kind == "tag" and clause.key == _PROMPT_TAG:
            value = str(clause.value).lower()
            want_prompts = (clause.op, value) in (("=", "true"), ("!=", "false"))
        else:
            clauses.append(clause)
    return clauses, [m for m in models if _is_prompt(m) == want_prompts]


@_route("GET", "registered-models/search")
def _search_registered_models(store: MlflowStore, request: ApiRequest) -> JsonDict:
    clauses, models = _registry_filter(request, list(store.registered_models.values()))
    found, token = _search(
        request, models, clauses=clauses, default_order=["name ASC"], default_max=100
    )
    return _paged("registered_models", [m.to_json() for m in found], token)


@_route("PATCH", "registered-models/update")
def _update_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    model.description = request.text("description")
    return _changed(model)


@_route("POST", "registered-models/rename")
def _rename_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    new_name = request.required("new_name")
    if new_name in store.registered_models:
        raise already_exists(f"Registered Model (name={new_name}) already exists.")
    del store.registered_models[model.name]
    model.name = new_name
    for version in model.versions.values():
        version.name = new_name
    store.registered_models[new_name] = model
    return _changed(model)


@_route("DELETE", "registered-models/delete")
def _delete_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    del store.registered_models[_registered(store, request).name]
    return {}


@_route("POST", "registered-models/set-tag")
def _set_registered_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    model.tags[request.required("key")] = request.text("value")
    _changed(model)
    return {}


@_route("DELETE", "registered-models/delete-tag")
def _delete_registered_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    model.tags.pop(request.required("key"), None)
    _changed(model)
    return {}


@_route("POST", "registered-models/alias")
def _set_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    alias = request.required("alias")
    if alias.lower() == "latest" or re.fullmatch(r"[vV]\d+", alias):
        raise invalid(f"'{alias}' is reserved and cannot be used as an alias.")
    version = store.model_version(request.required("name"), request.required("version"))
    model = store.registered_model(version.name)
    model.aliases[alias] = version.version
    _changed(model)
    return {}


@_route("DELETE", "registered-models/alias")
def _delete_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    model.aliases.pop(request.required("alias"), None)
    _changed(model)
    return {}


@_route("GET", "registered-models/alias")
def _get_by_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    alias = request.required("alias")
    if alias not in model.aliases:
        raise not_found(f"Registered model alias {alias} not found.")
    return {"model_version": model.version_json(model.versions[model.aliases[alias]])}


@_route("POST", "registered-models/get-latest-versions")
def _get_latest_versions(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    stages = [str(s) for s in request.items("stages")]
    return {"model_versions": [model.version_json(v) for v in model.latest_versions(stages)]}


# -- model versions ----------------------------------------------------------------------------
def _check_source(store: MlflowStore, source: str, run_id: str, model_id: str) -> None:
    """Refuse sources a real server refuses: an ``mlflow-artifacts:`` source must lie inside
    the artifacts of the run or logged model it names, and ``runs:/`` must match ``run_id``."""
    if ".." in source.split("/"):
        raise invalid(f"Invalid model version source: '{source}'.")
    roots = [store.logged_model(model_id).artifact_location] if model_id else []
    roots += [store.run(run_id).artifact_uri] if run_id else []
    if source.startswith(ARTIFACTS_SCHEME) and not any(_within(source, r) for r in roots):
        raise invalid(
            f"Invalid model version source: '{source}'. It must be inside the artifact "
            "location of the run (run_id) or logged model (model_id) given with it."
        )
    if source.startswith("runs:/") and source[len("runs:/") :].split("/")[0] != run_id:
        raise invalid(f"Invalid model version source: '{source}'. run_id must match it.")


def _record_version_on_model(store: MlflowStore, version: ModelVersion) -> None:
    # The server lists a logged model's registrations in its "mlflow.modelVersions" tag.
    model = store.logged_model(version.model_id)
    entry = {"name": version.name, "version": str(version.version)}
    entries = json.loads(model.tags.get("mlflow.modelVersions", "[]"))
    if entry not in entries:
        model.tags["mlflow.modelVersions"] = json.dumps([*entries, entry])


@_route("POST", "model-versions/create")
def _create_model_version(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    source = request.required("source")
    run_id, model_id = request.text("run_id"), request.text("model_id")
    _check_source(store, source, run_id, model_id)
    version = ModelVersion(
        name=model.name,
        version=model.next_version,
        source=source,
        run_id=run_id,
        model_id=model_id,
        run_link=request.text("run_link"),
        description=request.text("description"),
        tags=request.pairs(),
    )
    model.versions[version.version] = version
    model.next_version += 1
    if model_id:
        _record_version_on_model(store, version)
    _changed(model)
    return {"model_version": model.version_json(version)}


def _version(store: MlflowStore, request: ApiRequest) -> ModelVersion:
    return store.model_version(request.required("name"), request.required("version"))


def _version_changed(store: MlflowStore, version: ModelVersion) -> JsonDict:
    version.last_updated_timestamp = now_ms()
    return {"model_version": store.registered_model(version.name).version_json(version)}


@_route("GET", "model-versions/get")
def _get_model_version(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    return {"model_version": store.registered_model(version.name).version_json(version)}


@_route("GET", "model-versions/search")
def _search_model_versions(store: MlflowStore, request: ApiRequest) -> JsonDict:
    clauses, models = _registry_filter(request, list(store.registered_models.values()))
    found, token = _search(
        request,
        [version for model in models for version in model.versions.values()],
        clauses=clauses,
        default_order=["name ASC", "version_number DESC"],
        default_max=10000,
    )
    versions = [store.registered_model(v.name).version_json(v) for v in found]
    return _paged("model_versions", versions, token)


@_route("PATCH", "model-versions/update")
def _update_model_version(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    version.description = request.text("description")
    return _version_changed(store, version)


@_route("DELETE", "model-versions/delete")
def _delete_model_version(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    model = store.registered_model(version.name)
    del model.versions[version.version]
    for alias in model.aliases_of(version.version):
        del model.aliases[alias]
    _changed(model)
    return {}


@_route("POST", "model-versions/set-tag")
def _set_model_version_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    version.tags[request.required("key")] = request.text("value")
    _version_changed(store, version)
    return {}


@_route("DELETE", "model-versions/delete-tag")
def _delete_model_version_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    version.tags.pop(request.required("key"), None)
    _version_changed(store, version)
    return {}


@_route("GET", "model-versions/get-download-uri")
def _get_download_uri(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    if version.model_id and version.source.startswith("models:/"):
        return {"artifact_uri": store.logged_model(version.model_id).artifact_location}
    return {"artifact_uri": version.source}


__all__ = [
    "ARTIFACTS_SCHEME",
    "SERVER_INFO",
    "ApiError",
    "ApiReply",
    "ApiRequest",
    "FakeMlflowState",
    "MlflowStore",
]
