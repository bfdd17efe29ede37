"""MLflow's own rules for what its server accepts, as the fake server applies them.

These are the checks MLflow's tracking server runs (``mlflow.utils.validation``, stage names,
local-URI detection), imported rather than rewritten so that the fake refuses exactly what the
server refuses, and follows MLflow when a release changes a limit. They are found by what the
installed release calls them (``hokusai.mlflow_internals.validation_rule``). They raise
``MlflowException``, which the fake answers with the exception's ``error_code`` and HTTP status.
All of them ship in ``mlflow-skinny``. MLflow leaves them untyped; the aliases give them types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from mlflow.entities.model_registry import model_version_stages
from mlflow.utils import uri

from hokusai.mlflow_internals import server_does, validation_rule

validate_experiment_name = validation_rule("_validate_experiment_name")
validate_experiment_artifact_location = validation_rule("_validate_experiment_artifact_location")
validate_experiment_tag = validation_rule("_validate_experiment_tag")
validate_metric = validation_rule("_validate_metric")
validate_param = validation_rule("_validate_param")  # returns it, long values truncated
validate_tag = validation_rule("_validate_tag")  # likewise
validate_batch_log_limits = validation_rule("_validate_batch_log_limits")
validate_param_keys_unique = validation_rule("_validate_param_keys_unique")
validate_batch_log_data = validation_rule("_validate_batch_log_data")
validate_model_name = validation_rule("_validate_model_name")
validate_model_renaming = validation_rule("_validate_model_renaming")
validate_registered_model_tag = validation_rule("_validate_registered_model_tag")
validate_model_version_tag = validation_rule("_validate_model_version_tag")
validate_model_alias_name = validation_rule("_validate_alias_name", "_validate_model_alias_name")
validate_model_alias_name_reserved = validation_rule(
    "_validate_alias_name_reserved", "_validate_model_alias_name_reserved"
)
_validate_model_version = validation_rule("_validate_model_version")


def model_version_number(version: str) -> int:
    """int(version) as the server reads it: " 1" and "+1" are 1; "1.0" and "one" are refused
    with MLflow's own error. (The rule returns the number from 3.10 on, nothing before.)"""
    _validate_model_version(version)
    return int(version)


canonical_stage = cast(Callable[[str], str], model_version_stages.get_canonical_stage)
is_local_uri = cast(Callable[[str], bool], uri.is_local_uri)
# The artifact service's check of a path (decoded; "Invalid path" for "..", an absolute path,
# "#"); returns the decoded path.
validate_artifact_path = cast(Callable[[str], str], uri.validate_path_is_safe)

# Checks the installed release's server makes that an MLflow 3.9 server did not.
source_in_run_or_model = server_does("source_in_run_or_model")
version_number_must_be_whole = server_does("numeric_version_filter")
deleted_version_drops_aliases = server_does("deleted_version_drops_aliases")
serves_server_info = server_does("server_info_api")
serves_server_info_at_root = server_does("server_info_at_root")
refuses_conflicting_field_aliases = server_does("conflicting_field_aliases")
artifacts_served_by_fastapi = server_does("artifact_router")
source_lineage = server_does("source_lineage")
refuses_host_addressed_sources = server_does("host_addressed_sources")
alias_lookup_checks_model = server_does("alias_lookup_checks_model")


def validate_source_scheme(source: str) -> None:
    """Refuse a source on a scheme that makes the server connect to another host (http, ...),
    as the installed release's server does (an MLflow 3.9 server accepts any)."""
    if not refuses_host_addressed_sources:
        return
    # Not in MLflow 3.9, whose server never asks.
    from mlflow.exceptions import MlflowException
    from mlflow.store.artifact import host_policy

    scheme = host_policy.rejected_host_addressed_scheme(source)
    if scheme is not None:
        message = host_policy.host_addressed_rejection_message(scheme, field_name="source")
        raise MlflowException.invalid_parameter_value(message)
