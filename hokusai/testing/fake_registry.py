"""The model-registry half of the fake MLflow server: registered models, versions, aliases.

Version numbers count per registered model; versions are ``READY`` at once (so the client's
wait for creation returns immediately) and carry ``source``, ``run_id``, ``model_id``, tags
and aliases. Sources are checked as a real server checks them, which catches registrations
that point at a placeholder instead of the model's files.
"""

from __future__ import annotations

import json
import re

from hokusai.testing import fake_search
from hokusai.testing.fake_api import (
    ARTIFACTS_SCHEME,
    ApiRequest,
    MlflowStore,
    Routes,
    already_exists,
    delete_tag,
    invalid,
    paged,
    search,
    set_tag,
)
from hokusai.testing.fake_entities import JsonDict, ModelVersion, RegisteredModel

route = Routes()

_PROMPT_TAG = "mlflow.prompt.is_prompt"
_REGISTRATIONS_TAG = "mlflow.modelVersions"


def _registered(store: MlflowStore, request: ApiRequest) -> RegisteredModel:
    return store.registered_model(request.required("name"))


def _model_json(model: RegisteredModel) -> JsonDict:
    return {"registered_model": model.to_json()}


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


# -- registered models -------------------------------------------------------------------------
@route("POST", "registered-models/create")
def _create_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    name = request.required("name")
    if name in store.registered_models:
        raise already_exists(f"Registered Model (name={name}) already exists.")
    model = RegisteredModel(name, description=request.text("description"), tags=request.pairs())
    store.registered_models[name] = model
    return _model_json(model)


@route("GET", "registered-models/get")
def _get_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return _model_json(_registered(store, request))


@route("GET", "registered-models/search")
def _search_registered_models(store: MlflowStore, request: ApiRequest) -> JsonDict:
    clauses, models = _registry_filter(request, list(store.registered_models.values()))
    found, token = search(
        request, models, clauses=clauses, default_order=["name ASC"], default_max=100
    )
    return paged("registered_models", [m.to_json() for m in found], token)


@route("PATCH", "registered-models/update")
def _update_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    model.description = request.text("description")
    model.touch()
    return _model_json(model)


@route("POST", "registered-models/rename")
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
    model.touch()
    return _model_json(model)


@route("DELETE", "registered-models/delete")
def _delete_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    del store.registered_models[_registered(store, request).name]
    return {}


@route("POST", "registered-models/set-tag")
def _set_registered_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return set_tag(_registered(store, request), request)


@route("DELETE", "registered-models/delete-tag")
def _delete_registered_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return delete_tag(_registered(store, request), request.required("key"))


@route("POST", "registered-models/alias")
def _set_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    alias = request.required("alias")
    # MLflow reserves these: "latest" and "v<n>" already mean versions in models:/ URIs.
    if alias.lower() == "latest" or re.fullmatch(r"[vV]\d+", alias):
        raise invalid(f"'{alias}' is reserved and cannot be used as an alias.")
    version = _version(store, request)
    model = store.registered_model(version.name)
    model.aliases[alias] = version.version
    model.touch()
    return {}


@route("DELETE", "registered-models/alias")
def _delete_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    model.aliases.pop(request.required("alias"), None)
    model.touch()
    return {}


@route("GET", "registered-models/alias")
def _get_by_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    alias = request.required("alias")
    if alias not in model.aliases:
        # MLflow's SQL store answers INVALID_PARAMETER_VALUE (400) here, not a 404.
        raise invalid(f"Registered model alias {alias} not found.")
    return {"model_version": model.version_json(model.versions[model.aliases[alias]])}


@route("POST", "registered-models/get-latest-versions")
def _get_latest_versions(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    stages = [str(s) for s in request.items("stages")]
    latest = model.latest_versions(stages)
    return {"model_versions": [model.version_json(v, with_aliases=False) for v in latest]}


# -- model versions ----------------------------------------------------------------------------
def _within(uri: str, root: str) -> bool:
    root = root.rstrip("/")
    return uri == root or uri.startswith(root + "/")


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


def _record_registration(store: MlflowStore, version: ModelVersion) -> None:
    # The server lists a logged model's registrations in a tag on the logged model.
    model = store.logged_model(version.model_id)
    entry = {"name": version.name, "version": version.version}  # a number, as MLflow writes it
    entries = json.loads(model.tags.get(_REGISTRATIONS_TAG, "[]"))
    if entry not in entries:
        model.tags[_REGISTRATIONS_TAG] = json.dumps([*entries, entry])


@route("POST", "model-versions/create")
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
        _record_registration(store, version)
    model.touch()
    return _version_json(store, version)


def _version(store: MlflowStore, request: ApiRequest) -> ModelVersion:
    return store.model_version(request.required("name"), request.required("version"))


def _version_json(store: MlflowStore, version: ModelVersion) -> JsonDict:
    return {"model_version": store.registered_model(version.name).version_json(version)}


@route("GET", "model-versions/get")
def _get_model_version(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return _version_json(store, _version(store, request))


@route("GET", "model-versions/search")
def _search_model_versions(store: MlflowStore, request: ApiRequest) -> JsonDict:
    clauses, models = _registry_filter(request, list(store.registered_models.values()))
    found, token = search(
        request,
        [version for model in models for version in model.versions.values()],
        clauses=clauses,
        # MLflow's SQL store: most recently updated first (creating or updating a version
        # touches it; tags and aliases do not).
        default_order=["last_updated_timestamp DESC", "name ASC", "version_number DESC"],
        default_max=10000,
    )
    # Search results carry no aliases on a real server: only get/get-by-alias look them up.
    versions = [store.registered_model(v.name).version_json(v, with_aliases=False) for v in found]
    return paged("model_versions", versions, token)


@route("PATCH", "model-versions/update")
def _update_model_version(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    version.description = request.text("description")
    version.touch()
    return _version_json(store, version)


@route("DELETE", "model-versions/delete")
def _delete_model_version(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    model = store.registered_model(version.name)
    del model.versions[version.version]
    for alias in model.aliases_of(version.version):
        del model.aliases[alias]
    model.touch()
    return {}


# Unlike an update, a version's tags leave its last_updated_timestamp (and so the default
# search order) alone, as in MLflow's SQL store.
@route("POST", "model-versions/set-tag")
def _set_model_version_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _version(store, request).tags[request.required("key")] = request.text("value")
    return {}


@route("DELETE", "model-versions/delete-tag")
def _delete_model_version_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _version(store, request).tags.pop(request.required("key"), None)
    return {}


@route("GET", "model-versions/get-download-uri")
def _get_download_uri(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    # A models:/<model_id> source downloads from the logged model's own artifact location.
    if version.model_id and version.source.startswith("models:/"):
        return {"artifact_uri": store.logged_model(version.model_id).artifact_location}
    return {"artifact_uri": version.source}
