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
from mlflow.protos.model_registry_pb2 import ModelRegistryService
from mlflow.protos.service_pb2 import MlflowService
from mlflow.utils.proto_json_utils import parse_dict
from mlflow.utils.rest_utils import extract_all_api_info_for_service

_Table = list[tuple[str, re.Pattern[str], type[Message]]]


@functools.cache
def _endpoints() -> _Table:
    table: _Table = []
    for service in (MlflowService, ModelRegistryService):
        for message, endpoints in extract_all_api_info_for_service(service, "/api/2.0").items():  # type: ignore[no-untyped-call]
            for path, method in endpoints:
                # The last placeholder (a tag key) may hold slashes; the others may not.
                pattern = re.sub(r"\{(\w+)\}$", r"(?P<\1>.+)", path)
                pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
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
                raise ParseError(f"Invalid boolean value: {value}, must be 'true' or 'false'.")
            value = value.lower() == "true"
        typed[field.name] = value
    return typed


def parse_request(method: str, path: str, params: Mapping[str, Any]) -> None:
    """Refuse (``ValueError``) a request whose fields do not fit MLflow's message for it."""
    message = message_for(method, path)
    if message is None:
        return
    try:
        fields = _from_query(params, message) if method == "GET" else copy.deepcopy(dict(params))
        # The server's own parser: up to 3.9 it takes a numeric experiment_id as its text.
        parse_dict(fields, message())  # type: ignore[no-untyped-call]
    except ParseError as exc:
        raise ValueError(f"Invalid request for {path}: {exc}") from exc


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
