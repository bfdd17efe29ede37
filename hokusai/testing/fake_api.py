"""The REST plumbing of the fake MLflow server: requests, replies, errors, routes and the store.

Handlers live in :mod:`fake_tracking`, :mod:`fake_registry` and :mod:`fake_artifacts`; each
module fills its own :class:`Routes` table and :mod:`fake_state` serves them all. A handler
takes the :class:`MlflowStore` and an :class:`ApiRequest` and returns a JSON dict (or an
:class:`ApiReply`); it fails by raising :class:`ApiError`, which becomes MLflow's
``{"error_code": ..., "message": ...}`` answer with the HTTP status MLflow's server uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import parse_qs

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import ErrorCode
from mlflow.utils.search_utils import SearchUtils

from hokusai.testing import fake_protocol, fake_search, mlflow_rules
from hokusai.testing.fake_entities import (
    Experiment,
    JsonDict,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
    Run,
)

ARTIFACTS_SCHEME = "mlflow-artifacts:"
ARTIFACTS_ROOT = "/api/2.0/mlflow-artifacts/artifacts"


class ApiError(Exception):
    """An MLflow error answer: ``{"error_code": ..., "message": ...}`` with its HTTP status."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code

    def reply(self) -> ApiReply:
        # MLflow's own serializer: from 3.10 on, its servers add ``sqlstate`` and
        # ``error_class`` to every error body, so the installed release decides the fields.
        error = MlflowException(str(self), error_code=ErrorCode.Value(self.error_code))
        body = error.serialize_as_json().encode()  # type: ignore[no-untyped-call]
        return ApiReply(self.status, body)


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
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: JsonDict, status: int = 200) -> ApiReply:
        return cls(status, json.dumps(payload).encode())


WERKZEUG_PAGE_TYPE = "text/html; charset=utf-8"
# The pages Werkzeug (under MLflow's Flask server) writes for answers MLflow leaves to it.
_WERKZEUG_PAGES = {
    405: ("Method Not Allowed", "The method is not allowed for the requested URL."),
    500: (
        "Internal Server Error",
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application.",
    ),
}


class WerkzeugAnswer(Exception):
    """An answer MLflow's handlers never write: Flask's router or its crash page writes it."""

    def __init__(self, status: int, headers: Mapping[str, str] | None = None) -> None:
        title, text = _WERKZEUG_PAGES[status]
        super().__init__(title)
        page = (
            f"<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n"
            f"<h1>{title}</h1>\n<p>{text}</p>\n"
        )
        self.reply = ApiReply(
            status, page.encode(), "text/html; charset=utf-8", dict(headers or {})
        )


JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class ApiRequest:
    """One upstream request. ``params`` start as the query; :meth:`read_body` reads the rest."""

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: bytes = b""
    user: str | None = None
    content_type: str | None = JSON_CONTENT_TYPE
    # Fields given only under their JSON name (``runId``): read, but not as a required field.
    aliased: frozenset[str] = frozenset()
    # What the client sent (body, or query), before the route's path parameters joined it.
    sent: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        query: str,
        body: bytes,
        user: str | None = None,
        content_type: str | None = JSON_CONTENT_TYPE,
    ) -> ApiRequest:
        params: dict[str, Any] = {
            key: values[0] if len(values) == 1 else values
            for key, values in parse_qs(query, keep_blank_values=True).items()
        }
        return cls(method.upper(), path, params, body, user, content_type)

    def read_body(self) -> ApiRequest:
        """The parameters as MLflow's server reads them once a route matched.

        A GET with a query string reads only the query; any other request reads only its
        JSON body (a HEAD too: Flask serves it by the GET handler, which
        checks for "GET"), refused on POST and PUT unless sent as ``application/json``. Unreadable
        JSON counts as ``{}``, a JSON string is decoded once more (older clients sent
        that), and any other non-object crashes the server's handler. Artifact routes
        carry file bytes and read the query.
        """
        if self.reads_query:
            return self
        if self.method in ("POST", "PUT"):
            _check_json_content_type(self.content_type)
        try:
            fields = json.loads(self.body)
        except ValueError:
            fields = None
        if isinstance(fields, str):
            try:
                fields = json.loads(fields)
            except ValueError as exc:
                raise WerkzeugAnswer(500) from exc
        if fields is None:
            fields = {}
        if not isinstance(fields, dict):
            raise WerkzeugAnswer(500)
        return replace(self, params=fields)

    @property
    def reads_query(self) -> bool:
        """Whether the server reads this request's fields from its query (before read_body)."""
        return self.path.startswith(ARTIFACTS_ROOT) or (self.method == "GET" and bool(self.params))

    def with_params(self, **params: Any) -> ApiRequest:
        return replace(self, params={**self.params, **params})

    def text(self, name: str, default: str = "") -> str:
        value = self.params.get(name)
        return default if value is None else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value or name in self.aliased:
            raise missing(name)
        return value

    def required_in_body(self, name: str) -> str:
        """A field some handlers check in the body even where the path names it too."""
        value = self.sent.get(name)
        if value is None or value == "":
            raise missing(name)
        return str(value)

    def run_id(self) -> str:
        """The run a request names: ``run_id``, else (older clients) ``run_uuid``; the server
        asks for ``run_id`` when neither is there."""
        # The server's check reads the raw body; its handler the parsed message.
        given = None if "run_id" in self.aliased else self.params.get("run_id")
        if given is None:
            given = self.params.get("run_uuid")
        if not given:
            raise missing("run_id")
        return self.text("run_id") or self.text("run_uuid")

    def number(self, name: str, default: int) -> int:
        value = self.params.get(name)
        try:
            return default if value is None or value == "" else int(value)
        except (TypeError, ValueError) as exc:
            raise invalid(f"Parameter '{name}' must be an integer.") from exc

    def items(self, name: str) -> list[Any]:
        value = self.params.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def pairs(self, name: str = "tags") -> dict[str, str]:
        """A ``[{"key": ..., "value": ...}]`` parameter (tags, params) as a dict."""
        return {str(i["key"]): str(i.get("value", "")) for i in self.items(name)}


def _check_json_content_type(content_type: str | None) -> None:
    # As mlflow.server.validation._validate_content_type, which needs Flask (not in skinny):
    # parameters after ";" are dropped, the type itself is compared as written.
    if content_type is None:
        raise invalid("Bad Request. Content-Type header is missing.")
    if content_type.split(";")[0] != JSON_CONTENT_TYPE:
        raise invalid(f"Bad Request. Content-Type must be one of {[JSON_CONTENT_TYPE]}.")


def missing(name: str) -> ApiError:
    # The server's schema check ends each of its refusals with this pointer.
    return invalid(
        f"Missing value for required parameter '{name}'. "
        "See the API docs for more information about request parameters."
    )


def enum_name(value: object, names: list[str]) -> str:
    """An enum given as its name or (protobuf JSON allows both) as its number."""
    text = str(value)
    if text.isdigit() and int(text) < len(names):
        return names[int(text)]
    return text


@dataclass
class MlflowStore:
    """All the fake's MLflow data, plus lookups that fail the way MLflow does."""

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
        try:
            int(experiment_id)
        except ValueError as exc:
            raise invalid(
                f"Invalid experiment ID '{experiment_id}'. Experiment ID must be a valid integer."
            ) from exc
        if experiment_id not in self.experiments:
            raise not_found(f"No Experiment with id={experiment_id} exists")
        return self.experiments[experiment_id]

    def active_experiment(self, experiment_id: str) -> Experiment:
        experiment = self.experiment(experiment_id)
        _must_be_active("experiment", experiment_id, experiment.lifecycle_stage)
        return experiment

    def experiment_named(self, name: str) -> Experiment:
        for experiment in self.experiments.values():
            if experiment.name == name:
                return experiment
        raise not_found(f"Could not find experiment with name '{name}'")

    def run(self, run_id: str) -> Run:
        if run_id not in self.runs:
            raise not_found(f"Run with id={run_id} not found")
        return self.runs[run_id]

    def active_run(self, run_id: str) -> Run:
        """A run that may still be written to: neither it nor its experiment is deleted."""
        run = self.run(run_id)
        _must_be_active("run", run_id, run.lifecycle_stage)
        return run

    def logged_model(self, model_id: str) -> LoggedModel:
        if model_id not in self.logged_models:
            raise not_found(f"Logged model with ID '{model_id}' not found.")
        return self.logged_models[model_id]

    def registered_model(self, name: str) -> RegisteredModel:
        if name not in self.registered_models:
            raise not_found(f"Registered Model with name={name} not found")
        return self.registered_models[name]

    def model_version(self, name: str, version: str) -> ModelVersion:
        # As the server reads it: int(" 1") and int("+1") are 1, "1.0" and "one" are refused.
        number = mlflow_rules.model_version_number(version)
        # The SQL store looks the version up directly: a missing model is a missing version.
        model = self.registered_models.get(name)
        if model is None or number not in model.versions:
            raise not_found(f"Model Version (name={name}, version={version}) not found")
        return model.versions[number]


def _must_be_active(kind: str, identifier: str, stage: str) -> None:
    if stage != "active":
        raise invalid(
            f"The {kind} {identifier} must be in the 'active' state. Current state is {stage}."
        )


class Tagged(Protocol):
    tags: dict[str, str]

    def touch(self) -> None: ...


def set_tag(entity: Tagged, request: ApiRequest) -> JsonDict:
    """The ``set-tag`` endpoints: ``key`` and ``value`` parameters, an empty answer."""
    entity.tags[request.required("key")] = request.text("value")
    entity.touch()
    return {}


def delete_tag(entity: Tagged, key: str) -> JsonDict:
    entity.tags.pop(key, None)
    entity.touch()
    return {}


Handler = Callable[[MlflowStore, ApiRequest], "JsonDict | ApiReply"]


class Routes:
    """A table of handlers, filled by decorating them: ``@route("POST", "runs/create")``.

    A path without a leading slash lives under MLflow's ``/api/2.0/mlflow/`` REST root;
    named groups in the path (``(?P<model_id>[^/]+)``) become request parameters.
    """

    def __init__(self, *tables: Routes) -> None:
        self._table: list[tuple[str, re.Pattern[str], Handler]] = [
            entry for table in tables for entry in table._table
        ]

    def __call__(self, method: str, path: str) -> Callable[[Handler], Handler]:
        full = path if path.startswith("/") else f"/api/2.0/mlflow/{path}"
        pattern = re.compile(full + "$")

        def register(handler: Handler) -> Handler:
            self._table.append((method, pattern, handler))
            return handler

        return register

    def dispatch(self, store: MlflowStore, request: ApiRequest) -> ApiReply | None:
        """The handler's reply, or None when no route matches.

        Requests and answers of MLflow's proto APIs pass through MLflow's own messages
        (:mod:`fake_protocol`): wrong types are refused as the server refuses them, and
        answers take the server's JSON shape.
        """
        served_as = "GET" if request.method == "HEAD" else request.method
        allowed: set[str] = set()
        for method, pattern, handler in self._table:
            match = pattern.match(request.path)
            if not match:
                continue
            allowed.add(method)
            if method == served_as:
                from_query = request.reads_query
                sent = request.read_body()
                request = sent.with_params(**match.groupdict())
                params, aliased = fake_protocol.parse_request(
                    method, request.path, request.params, from_query=from_query
                )
                result = handler(
                    store, replace(request, params=params, aliased=aliased, sent=sent.params)
                )
                if isinstance(result, ApiReply):
                    return result
                body = fake_protocol.render(method, request.path, result)
                return ApiReply.json(result) if body is None else ApiReply(200, body.encode())
        allowed |= fake_protocol.methods_for(request.path)
        if not allowed:
            return None
        # Flask's router: the path is served, not with this method; OPTIONS names them.
        allow = {"Allow": _allow_header(allowed)}
        if request.method == "OPTIONS":
            return ApiReply(204, b"", WERKZEUG_PAGE_TYPE, allow)
        raise WerkzeugAnswer(405, allow)


def _allow_header(methods: set[str]) -> str:
    # Flask answers HEAD wherever GET is served, and OPTIONS everywhere.
    implied = {"HEAD"} if "GET" in methods else set()
    return ", ".join(sorted(methods | implied | {"OPTIONS"}))


@dataclass(frozen=True)
class SearchRules:
    """How one search endpoint reads its request, as MLflow's server does.

    ``grammar`` parses the filter and ``order_parser`` each ``order_by`` clause (MLflow's own
    ``Search*Utils``); ``max_results`` must lie in ``[lowest, highest]`` (None: unchecked) and
    defaults to what the endpoint's proto declares.
    """

    grammar: type[SearchUtils]
    order_parser: Callable[[str], tuple[str, str, bool]]
    default_order: list[fake_search.SortKey]
    default_max: int
    highest: int
    lowest: int | None = 1

    def max_results(self, request: ApiRequest) -> int:
        value = request.number("max_results", self.default_max)
        if self.lowest is not None and value < self.lowest:
            raise invalid(
                f"Invalid value {value} for parameter 'max_results' supplied. "
                "It must be a positive integer"
            )
        if value > self.highest:
            raise invalid(
                "Invalid value for request parameter max_results. It must be at most "
                f"{self.highest}, but got value {value}"
            )
        return value


def search(
    request: ApiRequest,
    candidates: list[Any],
    rules: SearchRules,
    *,
    clauses: list[fake_search.Clause] | None = None,
    order_by: list[str] | None = None,
) -> tuple[list[Any], str]:
    """Filter, order and page records that offer ``lookup(kind, key)``: a page and its token."""
    if clauses is None:
        clauses = fake_search.parse_filter(request.text("filter"), rules.grammar)
    wanted = [str(o) for o in request.items("order_by")] if order_by is None else order_by
    keys = fake_search.parse_order(wanted, rules.order_parser) + rules.default_order
    max_results = rules.max_results(request)
    hits = [c for c in candidates if fake_search.matches_all(clauses, c.lookup)]
    ordered = fake_search.order(hits, keys, lambda item, kind, key: item.lookup(kind, key))
    return fake_search.page(ordered, max_results, request.text("page_token") or None)


def paged(key: str, items: list[JsonDict], token: str) -> JsonDict:
    """A search answer; like protobuf JSON, without ``next_page_token`` on the last page."""
    return {key: items, **({"next_page_token": token} if token else {})}
