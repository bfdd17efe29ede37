"""The model-registry half of the fake MLflow server: registered models, versions, aliases.

Version numbers count per registered model; versions are ``READY`` at once (so the client's
wait for creation returns immediately) and carry ``source``, ``run_id``, ``model_id``, tags
and aliases. Sources are checked as a real server checks them, which catches registrations
that point at a placeholder instead of the model's files.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils

from hokusai.testing import fake_search
from hokusai.testing import mlflow_rules as rules
from hokusai.testing.fake_api import (
    ApiRequest,
    MlflowStore,
    Routes,
    SearchRules,
    already_exists,
    invalid,
    paged,
    search,
)
from hokusai.testing.fake_entities import JsonDict, ModelVersion, RegisteredModel
from hokusai.testing.fake_sources import source_of

route = Routes()

_PROMPT_TAG = "mlflow.prompt.is_prompt"
_REGISTRATIONS_TAG = "mlflow.modelVersions"
_ACTIVE_STAGES = ("Staging", "Production")


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
    grammar = SearchModelVersionUtils if "model-versions" in request.path else SearchModelUtils
    for clause in fake_search.parse_filter(request.text("filter"), grammar):
        if clause.kind == "tag" and clause.key == _PROMPT_TAG:
            value = str(clause.value).lower()
            want_prompts = (clause.op, value) in (("=", "true"), ("!=", "false"))
        else:
            clauses.append(clause)
    return clauses, [m for m in models if _is_prompt(m) == want_prompts]


_MODEL_SEARCH = SearchRules(
    SearchModelUtils,
    SearchModelUtils.parse_order_by_for_search_registered_models,
    fake_search.default_order("name ASC"),
    default_max=100,
    highest=1000,
    lowest=None,  # the server lets zero and negative limits through here
)


# MLflow's SQL store: most recently updated first (creating or updating a version touches it;
# tags and aliases do not).
def _version_order(spec: str) -> tuple[str, str, bool]:
    kind, key, ascending = SearchModelVersionUtils.parse_order_by_for_search_model_versions(spec)  # type: ignore[no-untyped-call]
    if kind != "attribute":  # the SQL store sorts versions by their own columns only
        raise invalid(f"Invalid order_by entity: {kind}")
    return kind, key, ascending


def _check_version_filter(clauses: list[fake_search.Clause]) -> None:
    """What MLflow's SQL store refuses on top of its filter parser, for version searches."""
    utils = SearchModelVersionUtils
    for clause in clauses:
        if clause.kind == "tag":
            if clause.op not in ("=", "!=", "LIKE", "ILIKE"):
                raise invalid(f"Invalid comparator for tag: {clause.op}")
        elif clause.kind != "attribute":
            raise invalid(f"Invalid token type: {clause.kind}")
        elif clause.key in utils.NUMERIC_ATTRIBUTES:
            if clause.op not in utils.VALID_NUMERIC_ATTRIBUTE_COMPARATORS or (
                rules.version_number_must_be_whole and not _whole(clause.value)
            ):
                raise invalid(f"Invalid filter on numeric attribute {clause.key}: {clause.op}")
        elif clause.op not in utils.VALID_STRING_ATTRIBUTE_COMPARATORS or (
            clause.op == "IN" and clause.key not in ("run_id", "name")
        ):
            raise invalid(f"Invalid comparator for attribute: {clause.op}")


def _whole(value: object) -> bool:
    try:
        return float(str(value)).is_integer()
    except ValueError:
        return False


_VERSION_SEARCH = SearchRules(
    SearchModelVersionUtils,
    _version_order,
    fake_search.default_order("last_updated_timestamp DESC", "name ASC", "version_number DESC"),
    default_max=10000,
    highest=200_000,
)


def _tags(request: ApiRequest, check: Callable[[str, str], object]) -> dict[str, str]:
    tags = request.pairs()
    for key, value in tags.items():
        check(key, value)
    return tags


# -- registered models -------------------------------------------------------------------------
@route("POST", "registered-models/create")
def _create_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    name = request.required("name")
    rules.validate_model_name(name)
    tags = _tags(request, rules.validate_registered_model_tag)
    if name in store.registered_models:
        raise already_exists(f"Registered Model (name={name}) already exists.")
    model = RegisteredModel(name, description=request.text("description"), tags=tags)
    store.registered_models[name] = model
    return _model_json(model)


@route("GET", "registered-models/get")
def _get_registered_model(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return _model_json(_registered(store, request))


@route("GET", "registered-models/search")
def _search_registered_models(store: MlflowStore, request: ApiRequest) -> JsonDict:
    clauses, models = _registry_filter(request, list(store.registered_models.values()))
    found, token = search(request, models, _MODEL_SEARCH, clauses=clauses)
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
    new_name = request.text("new_name")
    rules.validate_model_renaming(new_name)
    if new_name in store.registered_models and new_name != model.name:
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
    model = _registered(store, request)
    rules.validate_registered_model_tag(request.text("key"), request.text("value"))
    # As in MLflow's SQL store, tags and aliases leave last_updated_timestamp alone.
    model.tags[request.text("key")] = request.text("value")
    return {}


@route("DELETE", "registered-models/delete-tag")
def _delete_registered_model_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    _registered(store, request).tags.pop(request.required("key"), None)
    return {}


@route("POST", "registered-models/alias")
def _set_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    alias = request.text("alias")
    rules.validate_model_alias_name(alias)
    # "latest" and "v<n>" already mean versions in models:/ URIs.
    rules.validate_model_alias_name_reserved(alias)
    version = _version(store, request)
    model = store.registered_model(version.name)
    model.aliases[alias] = version.version
    return {}


@route("DELETE", "registered-models/alias")
def _delete_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    model.aliases.pop(request.required("alias"), None)
    return {}


@route("GET", "registered-models/alias")
def _get_by_alias(store: MlflowStore, request: ApiRequest) -> JsonDict:
    name = request.required("name")
    alias = request.required("alias")
    model = store.registered_models.get(name)
    if model is None and rules.alias_lookup_checks_model:
        model = store.registered_model(name)  # the 404 of a missing model
    if model is None or alias not in model.aliases:
        # MLflow's SQL store answers INVALID_PARAMETER_VALUE (400) here, not a 404.
        raise invalid(f"Registered model alias {alias} not found.")
    version = store.model_version(model.name, str(model.aliases[alias]))  # 3.9: maybe deleted
    return {"model_version": model.version_json(version)}


@route("GET", "registered-models/get-latest-versions")
@route("POST", "registered-models/get-latest-versions")
def _get_latest_versions(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = _registered(store, request)
    stages = [str(s) for s in request.items("stages")]
    latest = model.latest_versions(stages)
    return {"model_versions": [model.version_json(v, with_aliases=False) for v in latest]}


# -- model versions ----------------------------------------------------------------------------
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
    checked = source_of(store, request)
    source, run_id, model_id = checked.source, checked.run_id, checked.model_id
    # As the server's store: a version of a logged model is of the run that logged it.
    logged = model_id or (source[len("models:/") :] if source.startswith("models:/m-") else "")
    if not run_id and logged:
        run_id = store.logged_model(logged).source_run_id
    tags = _tags(request, rules.validate_model_version_tag)
    version = ModelVersion(
        name=model.name,
        version=model.next_version,
        source=source,
        run_id=run_id,
        model_id=model_id,
        run_link=request.text("run_link"),
        description=request.text("description"),
        tags=tags,
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
    _check_version_filter(clauses)
    candidates = [version for model in models for version in model.versions.values()]
    found, token = search(request, candidates, _VERSION_SEARCH, clauses=clauses)
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
    # An MLflow 3.9 server keeps the aliases, pointing at the missing version.
    if rules.deleted_version_drops_aliases:
        for alias in model.aliases_of(version.version):
            del model.aliases[alias]
    model.touch()
    return {}


# Unlike an update, a version's tags leave its last_updated_timestamp (and so the default
# search order) alone, as in MLflow's SQL store.
@route("POST", "model-versions/set-tag")
def _set_model_version_tag(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    rules.validate_model_version_tag(request.text("key"), request.text("value"))
    version.tags[request.text("key")] = request.text("value")
    return {}


@route("POST", "model-versions/transition-stage")
def _transition_stage(store: MlflowStore, request: ApiRequest) -> JsonDict:
    version = _version(store, request)
    stage = rules.canonical_stage(request.required("stage"))
    model = store.registered_model(version.name)
    if str(request.params.get("archive_existing_versions", "")).lower() == "true":
        if stage not in _ACTIVE_STAGES:
            raise invalid(
                "Model version transition cannot archive existing model versions because "
                f"'{stage}' is not an Active stage. Valid stages are {list(_ACTIVE_STAGES)}"
            )
        for other in model.versions.values():
            if other is not version and other.current_stage == stage:
                other.current_stage = "Archived"
                other.touch()
    version.current_stage = stage
    version.touch()
    model.touch()
    return _version_json(store, version)


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
