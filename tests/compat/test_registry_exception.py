"""``except RegistryException`` catches every failed registration, as it did in the earlier SDK
(which wrapped every failure of a registry call in it), while each error stays its builtin."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

import hokusai.errors as errors
from hokusai import ModelRegistry
from hokusai.core.registry import RegistryException
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

ALICE = KEYS["alice"]


def test_an_unreachable_registry_is_a_registry_exception_and_a_connection_error(
    fake: Any, sk_model: Any
) -> None:
    fake.go_down("refused")
    registry = ModelRegistry(fake.tracking_uri, ALICE, mode="remote")
    with pytest.raises(RegistryException) as info:
        registry.register_baseline(sk_model, model_type="churn")
    assert isinstance(info.value, errors.RegistryUnavailableError)
    assert isinstance(info.value, ConnectionError)


def test_a_local_store_that_cannot_be_written_is_a_registry_exception_and_an_os_error(
    sk_model: Any,
) -> None:
    registry = ModelRegistry(local_tracking_uri="sqlite:////proc/no-such-dir/mlflow.db")
    with pytest.raises(RegistryException) as info:
        registry.register_baseline(sk_model, model_type="churn")
    assert isinstance(info.value, errors.LocalStoreError) and isinstance(info.value, OSError)


def test_bad_input_is_a_registry_exception_and_a_value_error(fake: Any, sk_model: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    with pytest.raises(RegistryException) as info:
        registry.register_tokenized_model("runs:/abc/model", "churn", "bad id!", "auroc", 0.8)
    assert isinstance(info.value, ValueError)
    assert fake.requests == []


def test_a_rejected_key_is_a_registry_exception_and_a_permission_error(
    fake: Any, sk_model: Any
) -> None:
    fake.inject(Fault.invalid_key(), path="model-versions/create", times=None)
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    with pytest.raises(RegistryException) as info:
        registry.register_baseline(sk_model, model_type="churn")
    assert isinstance(info.value, errors.AuthenticationError)
    assert isinstance(info.value, PermissionError)


# Each class keeps the builtin the troubleshooting table gives it.
BUILTINS = {
    "ConfigurationError": ValueError,
    "InvalidParameterError": ValueError,
    "InvalidInputError": ValueError,
    "UnknownArgumentError": TypeError,
    "InvalidTagsError": ValueError,
    "MLflowAuthenticationError": PermissionError,
    "AuthenticationError": PermissionError,
    "PermissionDeniedError": PermissionError,
    "RateLimitedError": ConnectionError,
    "MLflowConnectionError": ConnectionError,
    "RegistryUnavailableError": ConnectionError,
    "TLSError": ConnectionError,
    "RegistryError": RuntimeError,
    "ModelNotFoundError": LookupError,
    "LocalStoreError": OSError,
    "NotificationError": RuntimeError,
    "MethodNotImplementedError": NotImplementedError,
    "UnsupportedMlflowError": ImportError,
}

# A failure of a registry call: settings problems (raised by the constructor) are not.
REGISTRY_FAILURES = [
    "InvalidParameterError",
    "InvalidInputError",
    "UnknownArgumentError",
    "InvalidTagsError",
    "HokusaiAuthError",
    "MLflowAuthenticationError",
    "AuthenticationError",
    "PermissionDeniedError",
    "RateLimitedError",
    "MLflowConnectionError",
    "RegistryUnavailableError",
    "TLSError",
    "RegistryError",
    "ModelNotFoundError",
    "LocalStoreError",
]


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_each_class_keeps_its_builtin(name: str) -> None:
    assert issubclass(getattr(errors, name), BUILTINS[name])


@pytest.mark.parametrize("name", REGISTRY_FAILURES)
def test_every_registry_failure_is_a_registry_exception(name: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, RegistryException)
    assert issubclass(cls, errors.HokusaiError)
    # The MRO resolves with the builtin after the SDK's bases: `except HokusaiError` comes first.
    mro = cls.__mro__
    builtin_at = min(i for i, c in enumerate(mro) if c.__module__ == builtins.__name__)
    assert mro.index(RegistryException) < builtin_at


@pytest.mark.parametrize("name", ["ConfigurationError", "InsecureTransportError"])
def test_settings_errors_are_not_registry_exceptions(name: str) -> None:
    assert not issubclass(getattr(errors, name), RegistryException)
