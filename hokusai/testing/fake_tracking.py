"""The tracking half of the fake MLflow server: experiments, runs and logged models.

Artifact locations are those of ``mlflow server --serve-artifacts``: an experiment's is
``mlflow-artifacts:/<experiment_id>``, a run's ``<that>/<run_id>/artifacts`` and a logged
model's ``<that>/models/<model_id>/artifacts``, so MLflow's client uploads and downloads
their files through the tracking URI (see :mod:`fake_artifacts`).
"""

from __future__ import annotations

import math
import sys
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from mlflow.entities import Param, RunTag
from mlflow.utils.search_utils import (
    SearchExperimentsUtils,
    SearchLoggedModelsUtils,
    SearchUtils,
)

from hokusai.testing import fake_search
from hokusai.testing import mlflow_rules as rules
from hokusai.testing.fake_api import (
    ARTIFACTS_SCHEME,
    ApiError,
    ApiRequest,
    MlflowStore,
    Routes,
    SearchRules,
    already_exists,
    delete_tag,
    enum_name,
    invalid,
    missing,
    not_found,
    paged,
    search,
    set_tag,
)
from hokusai.testing.fake_entities import Experiment, JsonDict, LoggedModel, Metric, Run, now_ms

route = Routes()

_RUN_STATUSES = ["", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]
_MODEL_STATUSES = [
    "LOGGED_MODEL_STATUS_UNSPECIFIED",
    "LOGGED_MODEL_PENDING",
    "LOGGED_MODEL_READY",
    "LOGGED_MODEL_UPLOAD_FAILED",
]
_VIEW_TYPES = ["", "ACTIVE_ONLY", "DELETED_ONLY", "ALL"]
_EXPERIMENT_SEARCH = SearchRules(
    SearchExperimentsUtils,
    SearchExperimentsUtils.parse_order_by_for_search_experiments,
    fake_search.default_order("creation_time DESC", "experiment_id ASC"),
    default_max=0,  # the proto declares no default: without max_results the server refuses
    highest=50_000,
)
_RUN_SEARCH = SearchRules(
    SearchUtils,
    SearchUtils.parse_order_by_for_search_runs,
    fake_search.default_order("start_time DESC", "run_id ASC"),
    default_max=1000,
    highest=50_000,
)
_LOGGED_MODEL_SEARCH = SearchRules(
    SearchLoggedModelsUtils,
    lambda spec: fake_search.default_order(spec)[0],
    fake_search.default_order("creation_timestamp_ms DESC", "model_id ASC"),
    default_max=100,
    highest=50_000,
)


def _visible(lifecycle_stage: str, view_type: object) -> bool:
    view = enum_name(view_type or "ACTIVE_ONLY", _VIEW_TYPES)
    return view == "ALL" or (lifecycle_stage == "deleted") == (view == "DELETED_ONLY")


# -- experiments ------------------------------------------------------------------------------
@route("POST", "experiments/create")
def _create_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    name = request.text("name")
    rules.validate_experiment_name(name)
    rules.validate_experiment_artifact_location(request.params.get("artifact_location"))
    tags = request.pairs()
    for key, value in tags.items():
        rules.validate_experiment_tag(key, value)
    if any(e.name == name for e in store.experiments.values()):
        raise already_exists(f"Experiment(name={name}) already exists.")
    experiment_id = str(store.next_experiment_id)
    store.next_experiment_id += 1
    location = request.text("artifact_location") or f"{ARTIFACTS_SCHEME}/{experiment_id}"
    store.experiments[experiment_id] = Experiment(experiment_id, name, location, tags=tags)
    return {"experiment_id": experiment_id}


def _experiment_of(store: MlflowStore, request: ApiRequest) -> Experiment:
    return store.experiment(request.required("experiment_id"))


@route("GET", "experiments/get")
def _get_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"experiment": _experiment_of(store, request).to_json()}


@route("GET", "experiments/get-by-name")
def _get_experiment_by_name(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"experiment": store.experiment_named(request.required("experiment_name")).to_json()}


@route("POST", "experiments/search")
def _search_experiments(store: MlflowStore, request: ApiRequest) -> JsonDict:
    view_type = request.params.get("view_type")
    candidates = [e for e in store.experiments.values() if _visible(e.lifecycle_stage, view_type)]
    found, token = search(request, candidates, _EXPERIMENT_SEARCH)
    return paged("experiments", [e.to_json() for e in found], token)


@route("POST", "experiments/set-experiment-tag")
def _set_experiment_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment = store.active_experiment(request.required("experiment_id"))
    rules.validate_experiment_tag(request.text("key"), request.text("value"))
    return set_tag(experiment, request)


@route("POST", "experiments/update")
def _rename_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment = _experiment_of(store, request)
    new_name = request.text("new_name")
    rules.validate_experiment_name(new_name)
    if experiment.lifecycle_stage != "active":
        # The SQL store's INVALID_STATE, which MLflow maps to HTTP 500.
        raise ApiError(500, "INVALID_STATE", "Cannot rename a non-active experiment.")
    if any(e.name == new_name for e in store.experiments.values() if e is not experiment):
        # Not RESOURCE_ALREADY_EXISTS: the server lets the database's constraint refuse it.
        raise ApiError(400, "BAD_REQUEST", f"UNIQUE constraint failed: experiment {new_name!r}")
    experiment.name = new_name
    experiment.touch()
    return {}


def _set_stage(store: MlflowStore, request: ApiRequest, stage: str) -> JsonDict:
    """Delete or restore an experiment, and with it every one of its runs."""
    experiment = _experiment_of(store, request)
    if experiment.lifecycle_stage == stage:  # only an active one deletes, a deleted one restores
        raise not_found(f"No Experiment with id={experiment.experiment_id} exists")
    experiment.lifecycle_stage = stage
    experiment.touch()
    for run in store.runs.values():
        if run.experiment_id == experiment.experiment_id:
            run.lifecycle_stage = stage
    return {}


@route("POST", "experiments/delete")
def _delete_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return _set_stage(store, request, "deleted")


@route("POST", "experiments/restore")
def _restore_experiment(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return _set_stage(store, request, "active")


# -- runs -------------------------------------------------------------------------------------
@route("POST", "runs/create")
def _create_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment = store.active_experiment(request.text("experiment_id", "0"))
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
    return store.run(request.run_id())


@route("GET", "runs/get")
def _get_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"run": _run_of(store, request).to_json()}


@route("POST", "runs/update")
def _update_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _active_run_of(store, request)
    status = enum_name(request.params.get("status", ""), _RUN_STATUSES)
    if status in _RUN_STATUSES[1:]:  # the server skips a name its proto does not know
        run.status = status
    if "end_time" in request.params:
        run.end_time = request.number("end_time", now_ms())
    if request.text("run_name"):
        _set_run_tag(run, "mlflow.runName", request.text("run_name"))
    return {"run_info": run.info_json()}


@route("POST", "runs/delete")
def _delete_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _run_of(store, request).lifecycle_stage = "deleted"
    return {}


@route("POST", "runs/restore")
def _restore_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _run_of(store, request).lifecycle_stage = "active"
    return {}


def _active_run_of(store: MlflowStore, request: ApiRequest) -> Run:
    return store.active_run(request.run_id())


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


def _number(raw: Mapping[str, Any], name: str, kind: type[float] | type[int]) -> Any:
    # The request has passed MLflow's proto parsing, so any value present converts.
    value = raw.get(name)
    return None if value is None else kind(float(value) if kind is int else value)


def _metric(raw: Mapping[str, Any], path: str = "") -> Metric:
    """A metric as MLflow's server takes it: its own rules, then the fake's record."""
    key, value = raw.get("key"), _number(raw, "value", float)
    timestamp, step = _number(raw, "timestamp", int), _number(raw, "step", int) or 0
    rules.validate_metric(key, value, timestamp, step, path=path)
    model_id = str(raw.get("model_id") or "")
    if math.isinf(value):  # the SQL store keeps NaN, but clamps infinities to finite doubles
        value = math.copysign(sys.float_info.max, value)
    return Metric(key=str(key), value=value, timestamp=timestamp, step=step, model_id=model_id)


@route("POST", "runs/log-metric")
def _log_metric(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _active_run_of(store, request)
    if request.params.get("timestamp") is None:
        raise missing("timestamp")
    run.metric_history.append(_metric(request.params))
    return {}


@route("POST", "runs/log-parameter")
def _log_parameter(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _active_run_of(store, request)
    # MLflow truncates a long value (MLFLOW_TRUNCATE_LONG_VALUES) rather than refusing it.
    param = rules.validate_param(request.params.get("key"), request.text("value"))
    _log_param(run, param.key, param.value)
    return {}


@route("POST", "runs/set-tag")
def _set_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _active_run_of(store, request)
    tag = rules.validate_tag(request.params.get("key"), request.text("value"))
    _set_run_tag(run, tag.key, tag.value)
    return {}


@route("POST", "runs/delete-tag")
def _delete_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _active_run_of(store, request)
    key = request.required("key")
    if key not in run.tags:
        raise not_found(f"No tag with name: {key} in run with id {run.run_id}")
    del run.tags[key]
    return {}


@route("POST", "runs/log-batch")
def _log_batch(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _active_run_of(store, request)
    raw_metrics = request.items("metrics")
    params = [Param(i.get("key"), i.get("value")) for i in request.items("params")]
    tags = [RunTag(i.get("key"), i.get("value")) for i in request.items("tags")]
    rules.validate_batch_log_limits(raw_metrics, params, tags)
    rules.validate_param_keys_unique(params)
    # The metric records are built (and checked) first: the batch applies all or nothing.
    metrics = [_metric(raw, f"metrics[{n}]") for n, raw in enumerate(raw_metrics)]
    _, params, tags = rules.validate_batch_log_data([], params, tags)  # long values are truncated
    for param in sorted(params, key=lambda p: run.params.get(p.key, p.value) == p.value):
        _log_param(run, param.key, param.value)  # a changed value (sorted first) refuses all
    for tag in tags:
        _set_run_tag(run, tag.key, tag.value)
    run.metric_history.extend(metrics)
    return {}


@route("POST", "runs/outputs")
def _log_outputs(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    for output in request.items("models"):
        model = store.logged_model(str(output.get("model_id", "")))
        run.model_outputs.append((model.model_id, int(output.get("step") or 0)))
    return {}


@route("POST", "runs/log-inputs")
def _log_inputs(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    run.dataset_inputs.extend(request.items("datasets"))
    for model_input in request.items("models"):
        run.model_inputs.append(store.logged_model(str(model_input.get("model_id"))).model_id)
    return {}


@route("GET", "metrics/get-history")
def _metric_history(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run_id = request.run_id()
    key = request.required("metric_key")
    # The SQL store reads the metrics table alone: an unknown run has no history, no error.
    history = store.runs[run_id].metric_history if run_id in store.runs else []
    return {"metrics": [m.to_json() for m in history if m.key == key]}


@route("POST", "runs/search")
def _search_runs(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment_ids = {str(e) for e in request.items("experiment_ids")}
    view_type = request.params.get("run_view_type")
    candidates = [
        run
        for run in store.runs.values()
        if run.experiment_id in experiment_ids and _visible(run.lifecycle_stage, view_type)
    ]
    found, token = search(request, candidates, _RUN_SEARCH)
    return paged("runs", [r.to_json() for r in found], token)


# -- logged models ----------------------------------------------------------------------------
@route("POST", "logged-models")
def _create_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment = _experiment_of(store, request)
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


def _model_of(store: MlflowStore, request: ApiRequest) -> LoggedModel:
    return store.logged_model(request.required("model_id"))


@route("GET", "logged-models/(?P<model_id>[^/]+)")
def _get_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"model": _model_of(store, request).to_json()}


@route("PATCH", "logged-models/(?P<model_id>[^/]+)")
def _finalize_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    # The server finalizes the model the body names; the path's id goes unread.
    model = store.logged_model(request.required_in_body("model_id"))
    model.status = enum_name(request.required("status"), _MODEL_STATUSES)
    model.touch()
    return {"model": model.to_json()}


@route("DELETE", "logged-models/(?P<model_id>[^/]+)")
def _delete_logged_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    del store.logged_models[_model_of(store, request).model_id]
    return {}


@route("PATCH", "logged-models/(?P<model_id>[^/]+)/tags")
def _set_logged_model_tags(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _model_of(store, request)
    model.tags.update(request.pairs())
    model.touch()
    return {}  # the server's answer is empty: the client reads the model again if it needs it


@route("DELETE", "logged-models/(?P<model_id>[^/]+)/tags/(?P<tag_key>[^/]+)")
def _delete_logged_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _model_of(store, request)
    key = unquote(request.required("tag_key"))
    if key not in model.tags:
        raise not_found(f"No tag with key {key!r} found for model with ID {model.model_id!r}.")
    return delete_tag(model, key)


@route("POST", "logged-models/(?P<model_id>[^/]+)/params")
def _log_logged_model_params(store: MlflowStore, request: ApiRequest) -> JsonDict:
    request.required_in_body("model_id")  # checked there, then the path's model is used
    model = _model_of(store, request)
    model.params.update(request.pairs("params"))
    model.touch()
    return {}


@route("POST", "logged-models/search")
def _search_logged_models(store: MlflowStore, request: ApiRequest) -> JsonDict:
    if "experiment_ids" not in request.params:
        raise missing("experiment_ids")
    experiment_ids = {str(e) for e in request.items("experiment_ids")}
    candidates = [m for m in store.logged_models.values() if m.experiment_id in experiment_ids]
    # This endpoint orders by objects ({"field_name", "ascending"}), not "field DESC" strings.
    order_by = [
        f"{o.get('field_name', '')} {'ASC' if o.get('ascending', True) else 'DESC'}"
        for o in request.items("order_by")
    ]
    found, token = search(request, candidates, _LOGGED_MODEL_SEARCH, order_by=order_by)
    return paged("models", [m.to_json() for m in found], token)
