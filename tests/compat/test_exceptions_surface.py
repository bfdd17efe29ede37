"""The earlier SDK's exception names: importable where they were, built as callers built them,
and catching what the SDK raises today."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import hokusai
import hokusai.auth.exceptions as auth_errors
import hokusai.exceptions as old
from hokusai import ModelRegistry
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

ALICE, OUTSIDER = KEYS["alice"], KEYS["outsider"]
OLD_NAMES = [
    "HokusaiException",
    "MLflowConnectionError",
    "MLflowAuthenticationError",
    "ModelNotFoundError",
    "MethodNotImplementedError",
    "InvalidParameterError",
    "ConfigurationError",
    "NotificationError",
]


@pytest.mark.parametrize("name", OLD_NAMES)
def test_every_old_name_imports_and_is_a_hokusai_exception(name: str) -> None:
    cls = getattr(old, name)
    assert issubclass(cls, old.HokusaiException)


@pytest.mark.parametrize(
    "name",
    [
        "HokusaiException",
        "MLflowConnectionError",
        "MLflowAuthenticationError",
        "ModelNotFoundError",
        "ConfigurationError",
        "NotificationError",
    ],
)
def test_the_package_root_exports_the_same_classes(name: str) -> None:
    assert getattr(hokusai, name) is getattr(old, name)


def test_old_keyword_constructors_build_what_callers_read() -> None:
    missing = old.ModelNotFoundError(model_id="churn-v3")
    assert missing.model_id == "churn-v3" and "Model not found: churn-v3" in str(missing)
    versioned = old.ModelNotFoundError(model_name="churn", version="4")
    assert "churn version 4" in str(versioned) and versioned.version == "4"

    down = old.MLflowConnectionError("Cannot reach MLflow", tracking_uri="https://x.example/mlflow")
    assert down.tracking_uri == "https://x.example/mlflow"
    assert "Cannot reach MLflow" in str(down) and "https://x.example/mlflow" in str(down)
    assert isinstance(down, ConnectionError)

    forbidden = old.MLflowAuthenticationError(status_code=403)
    assert forbidden.status_code == 403 and "403" in str(forbidden)
    assert isinstance(forbidden, PermissionError)

    config = old.ConfigurationError(missing_key="HOKUSAI_API_KEY")
    assert config.missing_key == "HOKUSAI_API_KEY" and "HOKUSAI_API_KEY" in str(config)
    assert isinstance(config, ValueError)

    param = old.InvalidParameterError("model_type")
    assert param.parameter_name == "model_type" and "model_type" in str(param)
    assert str(old.InvalidParameterError(message="bad value")).startswith("bad value")

    todo = old.MethodNotImplementedError("rollback", "Registry")
    assert isinstance(todo, NotImplementedError) and "Registry.rollback()" in str(todo)

    notify = old.NotificationError("site down", status_code=502, mlflow_registered=True)
    assert notify.status_code == 502 and notify.mlflow_registered


def test_old_auth_error_constructors_still_work() -> None:
    limited = auth_errors.RateLimitError("Rate limit exceeded", retry_after=60)
    assert limited.retry_after == 60 and isinstance(limited, auth_errors.HokusaiAuthError)
    assert isinstance(
        auth_errors.AuthenticationError("Invalid API key"), auth_errors.HokusaiAuthError
    )
    assert isinstance(auth_errors.AuthorizationError("Insufficient"), auth_errors.HokusaiAuthError)


def test_errors_built_the_old_way_survive_pickling() -> None:
    error = old.ModelNotFoundError(model_id="churn-v3")
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is old.ModelNotFoundError and restored.model_id == "churn-v3"
    assert str(restored) == str(error)


def test_a_rejected_key_is_caught_by_every_old_name_with_its_status(
    fake: Any, sk_model: Any
) -> None:
    fake.inject(Fault.invalid_key(), path="model-versions/create", times=None)
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    with pytest.raises(old.MLflowAuthenticationError) as info:
        registry.register_model(sk_model, "churn")
    assert info.value.status_code == 401
    assert isinstance(info.value, auth_errors.AuthenticationError)
    assert isinstance(info.value, hokusai.AuthenticationError)
    assert ALICE not in str(info.value)


def test_a_key_without_registry_access_is_an_authorization_error(fake: Any, sk_model: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, OUTSIDER)
    with pytest.raises(auth_errors.AuthorizationError) as info:
        registry.register_model(sk_model, "churn")
    assert isinstance(info.value, old.MLflowAuthenticationError)
    assert info.value.status_code == 403


def test_a_rate_limit_is_a_rate_limit_error_with_retry_after(
    fake: Any, sk_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Retry-After (60 s) beyond the retry deadline is not waited for.
    monkeypatch.setenv("HOKUSAI_RETRY_DEADLINE", "30")
    fake.inject(Fault.rate_limited(), path="registered-models/search", times=None)
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    with pytest.raises(auth_errors.RateLimitError) as info:
        registry.register_model(sk_model, "churn")
    assert info.value.retry_after == 60


def test_an_unreachable_registry_is_an_mlflow_connection_error(fake: Any, sk_model: Any) -> None:
    fake.go_down("refused")
    registry = ModelRegistry(fake.tracking_uri, ALICE, mode="remote")
    with pytest.raises(old.MLflowConnectionError) as info:
        registry.register_model(sk_model, "churn")
    assert info.value.tracking_uri == fake.tracking_uri


def test_a_missing_version_is_the_old_model_not_found_error(fake: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    with pytest.raises(old.ModelNotFoundError):
        registry.get_model_version("no-such-model", 1)


def test_bad_input_is_an_invalid_parameter_error_before_any_request(
    fake: Any, sk_model: Any
) -> None:
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    with pytest.raises(old.InvalidParameterError):
        registry.register_model(sk_model, "bad name/with slash")
    assert fake.requests == []


def test_a_bad_setting_is_the_old_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "remot")
    with pytest.raises(old.ConfigurationError, match="remot"):
        ModelRegistry()
