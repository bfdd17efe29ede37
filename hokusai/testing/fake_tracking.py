"""The tracking half of the fake MLflow server: experiments, runs and logged models.

Artifact locations are those of ``mlflow server --serve-artifacts``: an experiment's is
``mlflow-artifacts:/<experiment_id>``, a run's ``<that>/<run_id>/artifacts`` and a logged
model's ``<that>/models/<model_id>/artifacts``, so MLflow's client uploads and downloads
their files through the tracking URI (see :mod:`fake_artifacts`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from hokusai.testing.fake_api import (
    ARTIFACTS_SCHEME,
    ApiRequest,
    MlflowStore,
    Routes,
    already_exists,
    delete_tag,
    enum_name,
    invalid,
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


def _visible(lifecycle_stage: str, view_type: object) -> bool:
    view = enum_name(view_type or "ACTIVE_ONLY", _VIEW_TYPES)
    return view == "ALL" or (lifecycle_stage == "deleted") == (view == "DELETED_ONLY")


# -- experiments ------------------------------------------------------------------------------
@route("POST", "experiments/create")
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
    found, token = search(
        request,
        candidates,
        default_order=["creation_time DESC", "experiment_id ASC"],
        default_max=1000,
    )
    return paged("experiments", [e.to_json() for e in found], token)


@route("POST", "experiments/set-experiment-tag")
def _set_experiment_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return set_tag(_experiment_of(store, request), request)


def _set_stage(store: MlflowStore, request: ApiRequest, stage: str) -> JsonDict:
    experiment = _experiment_of(store, request)
    experiment.lifecycle_stage = stage
    experiment.touch()
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
    # Older clients still send the run id as run_uuid.
    return store.run(request.text("run_id") or request.required("run_uuid"))


@route("GET", "runs/get")
def _get_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"run": _run_of(store, request).to_json()}


@route("POST", "runs/update")
def _update_run(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    if "status" in request.params:
        run.status = enum_name(request.params["status"], _RUN_STATUSES)
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


@route("POST", "runs/log-metric")
def _log_metric(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _run_of(store, request).metric_history.append(_metric(request.params))
    return {}


@route("POST", "runs/log-parameter")
def _log_parameter(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _log_param(_run_of(store, request), request.required("key"), request.text("value"))
    return {}


@route("POST", "runs/set-tag")
def _set_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _set_run_tag(_run_of(store, request), request.required("key"), request.text("value"))
    return {}


@route("POST", "runs/delete-tag")
def _delete_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    key = request.required("key")
    if key not in run.tags:
        raise not_found(f"No tag with name: {key} in run with id {run.run_id}")
    del run.tags[key]
    return {}


@route("POST", "runs/log-batch")
def _log_batch(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = _run_of(store, request)
    for key, value in request.pairs("params").items():
        _log_param(run, key, value)
    for key, value in request.pairs("tags").items():
        _set_run_tag(run, key, value)
    run.metric_history.extend(_metric(raw) for raw in request.items("metrics"))
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
    run = _run_of(store, request)
    key = request.required("metric_key")
    return {"metrics": [m.to_json() for m in run.metric_history if m.key == key]}


@route("POST", "runs/search")
def _search_runs(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment_ids = {str(e) for e in request.items("experiment_ids")}
    view_type = request.params.get("run_view_type")
    candidates = [
        run
        for run in store.runs.values()
        if run.experiment_id in experiment_ids and _visible(run.lifecycle_stage, view_type)
    ]
    found, token = search(
        request, candidates, default_order=["start_time DESC", "run_id ASC"], default_max=1000
    )
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
    model = _model_of(store, request)
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
    return {"model": model.to_json()}


@route("DELETE", "logged-models/(?P<model_id>[^/]+)/tags/(?P<tag_key>.+)")
def _delete_logged_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return delete_tag(_model_of(store, request), unquote(request.required("tag_key")))


@route("POST", "logged-models/(?P<model_id>[^/]+)/params")
def _log_logged_model_params(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _model_of(store, request)
    model.params.update(request.pairs("params"))
    model.touch()
    return {}


@route("POST", "logged-models/search")
def _search_logged_models(store: MlflowStore, request: ApiRequest) -> JsonDict:
    experiment_ids = {str(e) for e in request.items("experiment_ids")}
    candidates = [m for m in store.logged_models.values() if m.experiment_id in experiment_ids]
    # This endpoint orders by objects ({"field_name", "ascending"}), not "field DESC" strings.
    order_by = [
        f"{o.get('field_name', '')} {'ASC' if o.get('ascending', True) else 'DESC'}"
        for o in request.items("order_by")
    ]
    found, token = search(
        request.with_params(order_by=order_by),
        candidates,
        default_order=["creation_timestamp_ms DESC", "model_id ASC"],
        default_max=100,
    )
    return paged("models", [m.to_json() for m in found], token)
