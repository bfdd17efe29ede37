"""MLflow's own wire format for the fake server: its protobuf messages, read and written as
MLflow's server reads and writes them.

Every REST endpoint of MLflow's tracking and registry services is declared in its protos with
a request message (and a nested ``Response``). The fake parses each request into that message,
so a wrongly typed field (``{"name": 12}``, ``"tags": "x"``, ``max_results=many``) is refused
with ``INVALID_PARAMETER_VALUE`` instead of reaching a handler, and writes each answer in
protobuf's JSON shape: empty lists left out, ``NaN`` and infinities quoted.

Only modules that ship in ``mlflow-skinny`` are used (protos, ``rest_utils``): the fake must
work where the SDK runs on the skinny client.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from google.protobuf import descriptor  # type: ignore[import-untyped]
from google.protobuf.json_format import ParseError  # type: ignore[import-untyped]
from google.protobuf.message import Message  # type: ignore[import-untyped]
from mlflow.exceptions import MlflowException
from mlflow.protos.model_registry_pb2 import ModelRegistryService
from mlflow.protos.service_pb2 import MlflowService
from mlflow.utils.proto_json_utils import parse_dict
from mlflow.utils.rest_utils import extract_all_api_info_for_service
from mlflow.utils.validation import invalid_value

from hokusai.testing import mlflow_rules

_Table = list[tuple[str, re.Pattern[str], type[Message]]]


@functools.cache
def _endpoints() -> _Table:
    table: _Table = []
    for service in (MlflowService, ModelRegistryService):
        for message, endpoints in extract_all_api_info_for_service(service, "/api/2.0").items():  # type: ignore[no-untyped-call]
            for path, method in endpoints:
                # Flask's default converter, as the server routes them: no slashes, tag keys
                # included (`tags/a/b` is no route).
                pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
                table.append((method, re.compile(pattern + "$"), message))
    return table


@functools.lru_cache(maxsize=4096)
def message_for(method: str, path: str) -> type[Message] | None:
    """The request message MLflow declares for ``method path``, or None (not a proto API)."""
    for verb, pattern, message in _endpoints():
        if verb == method and pattern.match(path):
            return message
    return None


@functools.lru_cache(maxsize=4096)
def methods_for(path: str) -> frozenset[str]:
    """The methods MLflow serves ``path`` with; empty when it is none of its proto APIs."""
    return frozenset(verb for verb, pattern, _ in _endpoints() if pattern.match(path))


def _repeated(field: Any) -> bool:
    # Newer protobuf releases replace ``label`` with ``is_repeated``.
    if hasattr(field, "is_repeated"):
        return bool(field.is_repeated)
    return bool(field.label == descriptor.FieldDescriptor.LABEL_REPEATED)


def _from_query(params: Mapping[str, Any], message: type[Message]) -> dict[str, Any]:
    """Query parameters as MLflow's server reads them: typed by the message's fields."""
    typed: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        if field.name not in params:
            continue
        value = params[field.name]
        if _repeated(field):
            value = value if isinstance(value, list) else [value]
        elif isinstance(value, list):
            value = value[0]
        if field.type == descriptor.FieldDescriptor.TYPE_BOOL and isinstance(value, str):
            if value.lower() not in ("true", "false"):
                raise MlflowException.invalid_parameter_value(
                    f"Invalid boolean value: {value}, must be 'true' or 'false'."
                )
            value = value.lower() == "true"
        typed[field.name] = value
    return typed


def parse_request(
    method: str, path: str, params: Mapping[str, Any], *, from_query: bool
) -> tuple[dict[str, Any], frozenset[str]]:
    """The fields a handler reads, as MLflow's server reads ``params`` for ``method path``.

    Refuses (``MlflowException``) what does not fit MLflow's message for the endpoint, with
    the server's wording, and a body that spells a field two ways where the installed release
    does. Returns the fields under their proto names (a JSON name such as ``runId`` read as
    ``run_id``, the later key winning as in protobuf's parser) and the names that were given
    only as a JSON name: the server's checks of required fields read the raw body by proto
    name, so those count as missing. A query is read by proto names only.
    """
    message = message_for(method, path)
    if message is None:
        return dict(params), frozenset()
    if from_query:
        fields = _from_query(params, message)
        _check_types(path, fields, message)
        return dict(params), frozenset()
    if mlflow_rules.refuses_conflicting_field_aliases:
        _refuse_conflicting_aliases(params, message.DESCRIPTOR)
    _check_types(path, copy.deepcopy(dict(params)), message)
    return _proto_names(params, message.DESCRIPTOR)


_API_DOCS = " See the API docs for more information about request parameters."


def _check_types(path: str, fields: dict[str, Any], message: type[Message]) -> None:
    try:
        # The server's own parser: up to 3.9 it takes a numeric experiment_id as its text.
        parse_dict(fields, message())  # type: ignore[no-untyped-call]
        return
    except ParseError as exc:
        failure = exc
    # As the server's schema check words it: the first field whose value does not fit.
    by_key = {f.name: f for f in message.DESCRIPTOR.fields}
    by_key.update({f.json_name: f for f in message.DESCRIPTOR.fields})
    for key, value in fields.items():
        field = by_key.get(key)
        if field is None:
            continue
        try:
            parse_dict({key: value}, message())  # type: ignore[no-untyped-call]
        except ParseError:
            if _kind_fits(field, value):
                break  # the field's shape is right, something inside it is not
            hint = f" Hint: Value was of type '{type(value).__name__}'."
            raise MlflowException.invalid_parameter_value(
                invalid_value(field.name, value, hint) + _API_DOCS  # type: ignore[no-untyped-call]
            ) from failure
    # A wrong value inside a list or message: the server skips those (docs/testing.md).
    raise MlflowException.invalid_parameter_value(
        f"Invalid request for {path}: {failure}"
    ) from failure


def _kind_fits(field: Any, value: Any) -> bool:
    if _repeated(field):
        return isinstance(value, list)
    return field.type == descriptor.FieldDescriptor.TYPE_MESSAGE and isinstance(value, dict)


def _refuse_conflicting_aliases(fields: Any, message: Any) -> None:
    """As the newer server's ``_reject_conflicting_field_aliases`` (it needs Flask, so it is
    followed here, not imported): a field given under both its proto and its JSON name."""
    if not isinstance(fields, Mapping):
        return
    for field in message.fields:
        if field.name != field.json_name and field.name in fields and field.json_name in fields:
            raise MlflowException.invalid_parameter_value(
                f"Request specifies both '{field.name}' and '{field.json_name}'; "
                "provide only one of them."
            )
        if field.type != descriptor.FieldDescriptor.TYPE_MESSAGE:
            continue
        nested = field.message_type
        # Map entries and well-known types carry caller-chosen keys, not proto fields.
        if nested.GetOptions().map_entry or nested.full_name.startswith("google.protobuf."):
            continue
        value = fields.get(field.name, fields.get(field.json_name))
        for item in value if isinstance(value, list) else [value]:
            _refuse_conflicting_aliases(item, nested)


def _proto_names(fields: Mapping[str, Any], message: Any) -> tuple[dict[str, Any], frozenset[str]]:
    proto_name = {f.json_name: f.name for f in message.fields if f.json_name != f.name}
    named: dict[str, Any] = {}
    spelled_as_proto: set[str] = set()
    for key, value in fields.items():  # JSON order: the later spelling wins
        name = proto_name.get(key, key)
        named[name] = value
        if name == key:
            spelled_as_proto.add(name)
    return named, frozenset(set(proto_name.values()) & set(named) - spelled_as_proto)


def render(method: str, path: str, payload: Any) -> str | None:
    """``payload`` in the JSON shape MLflow's server gives the endpoint's answer.

    Protobuf JSON leaves empty lists out and quotes ``NaN`` and the infinities (which the
    client's parser insists on). Rendering through the ``Response`` message would do the same
    at about 0.8 ms a request; this does it in microseconds, and the fake's test suite checks
    its answers against the messages instead (``tests/test_fake_server.py``).
    None when the endpoint is not one of MLflow's proto APIs.
    """
    if message_for(method, path) is None:
        return None
    return json.dumps(_protobuf_shape(payload))


def _protobuf_shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _protobuf_shape(item) for key, item in value.items() if item != []}
    if isinstance(value, list):
        return [_protobuf_shape(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value
