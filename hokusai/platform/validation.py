"""Checks on user input, run before anything is sent anywhere."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from hokusai.errors import InvalidInputError, InvalidTagsError
from hokusai.models import (
    INTERNAL_TAG_PREFIX,
    TAG_BENCHMARK_METRIC,
    TAG_BENCHMARK_VALUE,
    TAG_TOKEN_ID,
)

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_TOKEN_ID = re.compile(r"[A-Za-z0-9-]+")
MAX_TOKEN_ID = 64
REQUIRED_HOKUSAI_TAGS = (TAG_TOKEN_ID, TAG_BENCHMARK_METRIC, TAG_BENCHMARK_VALUE)
# MLflow accepts more, but '/' and ':' break models:/ URIs and some characters break search filters.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\- ]{0,254}")
_ALIAS = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,254}")
MAX_TAG_VALUE = 5000


def model_name(value: object, *, field: str = "name") -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value.strip()):
        raise InvalidInputError(
            f"{field} must be 1-255 letters, digits, spaces, '_', '-' or '.', starting with a "
            f"letter or digit; got {value!r}."
        )
    return value.strip()


def alias(value: object) -> str:
    if not isinstance(value, str) or not _ALIAS.fullmatch(value):
        raise InvalidInputError(
            f"alias must start with a letter or '_' and hold only letters, digits, '_' or '-'; "
            f"got {value!r}."
        )
    # MLflow reserves version-like aliases ("v1", "latest") for its own resolution.
    if re.fullmatch(r"[vV]\d+", value) or value.lower() == "latest":
        raise InvalidInputError(f"alias {value!r} is reserved by MLflow; choose another name.")
    return value


def contributor_address(value: object) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise InvalidInputError(
            f"contributor_address must be 0x followed by 40 hex digits, got {value!r}."
        )
    return value


def token_id(value: object) -> str:
    """A Hokusai token id, upper-cased as the registry stores it. The platform's rules."""
    if not isinstance(value, str):
        raise InvalidInputError(f"Invalid token ID: must be a string, got {type(value).__name__}.")
    problem = None
    if not value:
        problem = "cannot be empty"
    elif len(value) > MAX_TOKEN_ID:
        problem = f"too long (max {MAX_TOKEN_ID} chars)"
    elif not _TOKEN_ID.fullmatch(value):
        problem = "must contain only letters, numbers, and hyphens"
    elif value.startswith("-") or value.endswith("-"):
        problem = "cannot start or end with hyphen"
    if problem is not None:
        raise InvalidInputError(f"Invalid token ID: {problem} (token_id={value!r}).")
    return value.upper()


def hokusai_tags(values: object) -> dict[str, str]:
    """The tags a tokenized model must carry: token id, benchmark metric and a numeric value."""
    if not isinstance(values, Mapping):
        raise InvalidTagsError("Hokusai tags must be a mapping of tag name to string.")
    for key in REQUIRED_HOKUSAI_TAGS:
        if key not in values:
            raise InvalidTagsError(f"Missing required tag: {key}")
        if not isinstance(values[key], str):
            raise InvalidTagsError(f"Tag {key} must be a str, got {type(values[key]).__name__}.")
    try:
        float(values[TAG_BENCHMARK_VALUE])
    except ValueError:
        raise InvalidTagsError(
            f"benchmark_value must be convertible to float, got {values[TAG_BENCHMARK_VALUE]!r}."
        ) from None
    return {str(k): str(v) for k, v in values.items()}


def number(value: object, *, field: str) -> float:
    # bool is an int subclass, and True as a metric is a bug, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{field} must be a finite number, got {value!r}.")
    return float(value)


def metrics(values: object, *, field: str) -> dict[str, float]:
    if not isinstance(values, Mapping) or not values:
        raise InvalidInputError(f"{field} must be a non-empty mapping of metric name to number.")
    return {
        _key(name, field=field): number(v, field=f"{field}[{name!r}]") for name, v in values.items()
    }


def tags(values: object, *, field: str = "tags") -> dict[str, str]:
    """A caller's model-version tags, checked by MLflow's own rules before anything is sent.

    The ``hokusai.*`` keys are refused wherever a caller passes tags: they are the SDK's
    bookkeeping (idempotency keys, duplicate marks), which retries and sync trust.
    """
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise InvalidInputError(f"{field} must be a mapping of string to string.")
    internal = sorted(str(k) for k in values if str(k).startswith(INTERNAL_TAG_PREFIX))
    if internal:
        raise InvalidInputError(
            f"{field} {', '.join(internal)}: the {INTERNAL_TAG_PREFIX}* tags are the SDK's own "
            "bookkeeping and cannot be set.",
            parameter_name=field,
            hint="Choose another key; other tags, including the platform's "
            "(hokusai_token_id, ...), can be set.",
        )
    out: dict[str, str] = {}
    for key, value in values.items():
        text = value if isinstance(value, str) else str(value)
        if len(text) > MAX_TAG_VALUE:
            raise InvalidInputError(
                f"{field}[{key!r}] is {len(text)} characters; the registry keeps at most "
                f"{MAX_TAG_VALUE}."
            )
        out[_mlflow_tag_key(_key(key, field=field), text, field=field)] = text
    return out


def _mlflow_tag_key(key: str, value: str, *, field: str) -> str:
    """The server applies these rules only after the run, the logged model and the upload."""
    from mlflow.exceptions import MlflowException

    from hokusai.mlflow_internals import validate_model_version_tag

    try:
        validate_model_version_tag(key, value)
    except MlflowException as exc:
        raise InvalidInputError(
            f"{field} key {key!r} is not one MLflow accepts: {exc.message}",
            parameter_name=field,
            hint="Use letters, digits, '_', '-', '.', ' ', ':' and '/' (no leading '/', no "
            "empty, '.' or '..' parts).",
        ) from None
    return key


def description(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidInputError(
        f"description must be a string (or None), got {type(value).__name__}.",
        parameter_name="description",
    )


def text(value: object, *, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{field} must be a non-empty string, got {value!r}.")
    return value.strip()


def _key(value: object, *, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 250:
        raise InvalidInputError(
            f"{field} keys must be non-empty strings of at most 250 characters."
        )
    return value


# MLflow's rule for metric names (mlflow.utils.validation): checked here so that a name the
# server would refuse fails before the model is uploaded.
_METRIC_NAME = re.compile(r"[\w.\- /]{1,250}")


def run_metrics(values: object, *, field: str = "metrics") -> dict[str, float]:
    """Metrics to log on a run: ``metrics()``, with names MLflow accepts. Empty is allowed."""
    if isinstance(values, Mapping) and not values:
        return {}
    clean = metrics(values, field=field)
    for name in clean:
        parts = name.split("/")
        if not _METRIC_NAME.fullmatch(name) or name.startswith("/") or ".." in parts:
            raise InvalidInputError(
                f"{field} name {name!r} is not one MLflow accepts: use letters, digits, '_', "
                "'-', '.', ' ' and '/' (not leading, no '..' part)."
            )
    return clean
