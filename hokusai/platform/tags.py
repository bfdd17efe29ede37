"""The tags the platform writes on a version: baselines, improvements and tokenized models.

Other Hokusai services read these tags, so their keys and formats are the platform's, kept as
they always were (``model_id``, ``version``, ``metrics`` as JSON, ``hokusai_token_id``, ...).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from hokusai.errors import InvalidInputError
from hokusai.models import (
    TAG_BASELINE_ID,
    TAG_BENCHMARK_METRIC,
    TAG_BENCHMARK_VALUE,
    TAG_CONTRIBUTOR,
    TAG_DELTA_METRICS,
    TAG_IS_BASELINE,
    TAG_METADATA,
    TAG_METRICS,
    TAG_MLFLOW_RUN_ID,
    TAG_MODEL_ID,
    TAG_MODEL_TYPE,
    TAG_MODEL_VERSION,
    TAG_PROPOSAL_ID,
    TAG_STATUS,
    TAG_TIMESTAMP,
    TAG_TOKEN_ID,
)
from hokusai.platform import validation

# additional_tags keys that name the proposal a tokenized model fulfils, in order of preference.
_PROPOSAL_KEYS = ("proposal_identifier", "proposal_ticker", "canonical_identifier", "ticker")


def baseline(
    model: object,
    model_type: str,
    metadata: Mapping[str, Any] | None,
    extra_metrics: object = None,
) -> dict[str, str]:
    """A baseline's tags: the model's id, own version and metrics come from the model."""
    tags = {
        **_model_fields(model, model_type, extra_metrics),
        TAG_IS_BASELINE: "true",
    }
    if metadata:
        tags[TAG_METADATA] = _json(metadata, "metadata")
    return tags


def improved(
    model: object,
    model_type: str,
    baseline_id: str,
    delta_metrics: Mapping[str, float],
    contributor_address: str,
    extra_metrics: object = None,
) -> dict[str, str]:
    return {
        **_model_fields(model, model_type, extra_metrics),
        TAG_IS_BASELINE: "false",
        TAG_BASELINE_ID: baseline_id,
        TAG_DELTA_METRICS: json.dumps(dict(delta_metrics)),
        TAG_CONTRIBUTOR: contributor_address,
    }


def tokenized(
    model_uri: str,
    token_id: str,
    metric_name: str,
    baseline_value: float,
    additional_tags: Mapping[str, str],
    measurement: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A tokenized model's tags; the token, metric, value and the measurement fields
    (``eval_spec``, ...) always win over additional tags."""
    tags = {TAG_STATUS: "registered", **additional_tags}
    proposal = next((additional_tags[k] for k in _PROPOSAL_KEYS if additional_tags.get(k)), None)
    tags.update(
        {
            TAG_TOKEN_ID: token_id,
            TAG_BENCHMARK_METRIC: metric_name,
            TAG_BENCHMARK_VALUE: repr(baseline_value),
            TAG_PROPOSAL_ID: proposal or token_id,
            **(measurement or {}),
        }
    )
    run_id = run_id_of(model_uri)
    if run_id:
        tags[TAG_MLFLOW_RUN_ID] = run_id
    return tags


def run_id_of(model_uri: str) -> str | None:
    if not model_uri.startswith("runs:/"):
        return None
    return model_uri[len("runs:/") :].split("/", 1)[0] or None


def _model_fields(model: object, model_type: str, extra_metrics: object) -> dict[str, str]:
    tags = {
        TAG_MODEL_ID: model_id_of(model, model_type),
        TAG_MODEL_TYPE: model_type,
        TAG_METRICS: json.dumps(metrics_of(model, extra_metrics)),
        TAG_TIMESTAMP: datetime.now(timezone.utc).isoformat(),
    }
    own_version = model_version_of(model)
    if own_version is not None:
        tags[TAG_MODEL_VERSION] = own_version
    return tags


def model_id_of(model: object, model_type: str) -> str:
    """The model's own ``model_id`` (a HokusaiModel's), else a fresh one for the type."""
    given = getattr(model, "model_id", None)
    if isinstance(given, str) and given.strip():
        return given.strip()
    return f"{model_type}-{uuid.uuid4().hex[:12]}"


def model_version_of(model: object) -> str | None:
    """The model's own version string (a HokusaiModel's ``.version``), if it has one."""
    given = getattr(model, "version", None)
    if isinstance(given, bool) or not isinstance(given, str | int):
        return None
    text = str(given).strip()
    return text or None


def metrics_of(model: object, extra: object = None) -> dict[str, float]:
    """``model.get_metrics()``, overlaid by the ``metrics=`` the caller passed."""
    values: dict[str, float] = {}
    getter = getattr(model, "get_metrics", None)
    if callable(getter):
        found = getter()
        if isinstance(found, Mapping):
            values.update(validation.metrics(found, field="model.get_metrics()") if found else {})
    if extra is not None:
        values.update(validation.metrics(extra, field="metrics"))
    return values


def _json(value: Mapping[str, Any], field: str) -> str:
    try:
        return json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{field} must be JSON-serialisable: {exc}") from exc
