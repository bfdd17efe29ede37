"""Errors carry what happened, where, which key (masked) and what to do; plain excepts still work."""

from __future__ import annotations

import pickle

import pytest

from hokusai import errors
from hokusai.transport.classify import ErrorContext, from_response

CTX = ErrorContext(
    uri="https://registry.hokus.ai/api/mlflow",
    key_source="environment variable HOKUSAI_API_KEY",
    masked_key="hk_live_…abcd",
    action="registering model 'churn'",
)


@pytest.mark.parametrize(
    ("status", "body", "headers", "cls", "builtin"),
    [
        (401, {"error": "API key required"}, {}, errors.AuthenticationError, PermissionError),
        (
            401,
            {"error": "Invalid or expired API key"},
            {},
            errors.AuthenticationError,
            PermissionError,
        ),
        (
            403,
            {"error": "REGISTRY_ADMIN_REQUIRED"},
            {},
            errors.PermissionDeniedError,
            PermissionError,
        ),
        (403, {"error": "FORBIDDEN"}, {}, errors.PermissionDeniedError, PermissionError),
        (
            429,
            {"error": "rate limited"},
            {"Retry-After": "60"},
            errors.RateLimitedError,
            ConnectionError,
        ),
        (502, None, {}, errors.RegistryUnavailableError, ConnectionError),
        (
            503,
            {"error": "ARTIFACTS_DISABLED"},
            {},
            errors.RegistryUnavailableError,
            ConnectionError,
        ),
        (504, None, {}, errors.RegistryUnavailableError, ConnectionError),
        (
            404,
            {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no"},
            {},
            errors.ModelNotFoundError,
            LookupError,
        ),
        (
            400,
            {"error_code": "INVALID_PARAMETER_VALUE", "message": "bad"},
            {},
            errors.RegistryError,
            RuntimeError,
        ),
    ],
)
def test_classified_by_status_and_body(
    status: int, body: dict[str, str] | None, headers: dict[str, str], cls: type, builtin: type
) -> None:
    error = from_response(status, body, headers, CTX)
    assert type(error) is cls and isinstance(error, builtin)
    text = str(error)
    assert f"HTTP {status}" in text
    assert CTX.uri in text and "HOKUSAI_API_KEY (hk_live_…abcd)" in text
    assert "registering model 'churn'" in text
    assert error.status == status


def test_permission_errors_carry_the_proxy_code_and_a_specific_next_step() -> None:
    admin = from_response(403, {"error": "REGISTRY_ADMIN_REQUIRED"}, {}, CTX)
    scope = from_response(403, {"error": "FORBIDDEN"}, {}, CTX)
    assert (
        isinstance(admin, errors.PermissionDeniedError) and admin.code == "REGISTRY_ADMIN_REQUIRED"
    )
    assert isinstance(scope, errors.PermissionDeniedError) and scope.code == "FORBIDDEN"
    assert "registry access" in admin.hint and "model:write" in scope.hint


def test_rate_limit_carries_retry_after() -> None:
    error = from_response(429, None, {"Retry-After": "60"}, CTX)
    assert isinstance(error, errors.RateLimitedError) and error.retry_after == 60.0
    assert "Retry after 60 s" in str(error)


def test_errors_survive_pickling_with_their_fields() -> None:
    error = from_response(403, {"error": "FORBIDDEN"}, {}, CTX)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and copy.code == "FORBIDDEN"


def test_every_error_is_a_hokusai_error_and_a_builtin() -> None:
    for cls in (
        errors.ConfigurationError,
        errors.InvalidInputError,
        errors.AuthenticationError,
        errors.PermissionDeniedError,
        errors.RateLimitedError,
        errors.RegistryUnavailableError,
        errors.TLSError,
        errors.LocalStoreError,
    ):
        assert issubclass(cls, errors.HokusaiError)
        assert any(
            issubclass(cls, b) for b in (ValueError, PermissionError, ConnectionError, OSError)
        )
