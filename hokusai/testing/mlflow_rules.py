"""MLflow's own rules for what its server accepts, as the fake server applies them.

These are the checks MLflow's tracking server runs (``mlflow.utils.validation``, stage names,
local-URI detection), imported rather than rewritten so that the fake refuses exactly what the
server refuses, and follows MLflow when a release changes a limit. They raise
``MlflowException``, which the fake answers with the exception's ``error_code`` and HTTP status.
All of them ship in ``mlflow-skinny``. MLflow leaves them untyped; the aliases give them types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from mlflow.entities.model_registry import model_version_stages
from mlflow.utils import uri, validation

_Check = Callable[..., Any]

validate_experiment_name = cast(_Check, validation._validate_experiment_name)
validate_experiment_artifact_location = cast(
    _Check, validation._validate_experiment_artifact_location
)
validate_experiment_tag = cast(_Check, validation._validate_experiment_tag)
validate_metric = cast(_Check, validation._validate_metric)
validate_param = cast(_Check, validation._validate_param)  # returns it, long values truncated
validate_tag = cast(_Check, validation._validate_tag)  # likewise
validate_batch_log_limits = cast(_Check, validation._validate_batch_log_limits)
validate_param_keys_unique = cast(_Check, validation._validate_param_keys_unique)
validate_batch_log_data = cast(_Check, validation._validate_batch_log_data)
validate_model_name = cast(_Check, validation._validate_model_name)
validate_model_renaming = cast(_Check, validation._validate_model_renaming)
validate_registered_model_tag = cast(_Check, validation._validate_registered_model_tag)
validate_model_version_tag = cast(_Check, validation._validate_model_version_tag)
validate_model_alias_name = cast(_Check, validation._validate_model_alias_name)
validate_model_alias_name_reserved = cast(_Check, validation._validate_model_alias_name_reserved)
# int(version) as the server reads it: " 1" and "+1" are 1; "1.0" and "one" are refused.
model_version_number = cast(Callable[[str], int], validation._validate_model_version)
canonical_stage = cast(Callable[[str], str], model_version_stages.get_canonical_stage)
is_local_uri = cast(Callable[[str], bool], uri.is_local_uri)
