"""``ModelRegistry(tracking_uri, api_key, api_endpoint, auth, **kwargs)`` as the earlier SDK's
callers built it, and the ``.client`` and ``.api_endpoint`` they read."""

from __future__ import annotations

import threading
import warnings
from typing import Any

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from hokusai import ModelRegistry
from hokusai.auth import HokusaiAuth
from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    UnknownArgumentError,
)
from tests.conftest import KEYS

ALICE, BOB = KEYS["alice"], KEYS["bob"]


def users(fake: Any) -> list[str | None]:
    return [r.user for r in fake.requests]


def test_api_key_is_the_second_positional_argument(fake: Any, sk_model: Any) -> None:
    ModelRegistry(fake.tracking_uri, BOB).register_model(sk_model, "churn")
    assert set(users(fake)) == {"bob"}


def test_api_endpoint_is_the_third_and_makes_the_mlflow_uri() -> None:
    registry = ModelRegistry(None, ALICE, "https://staging.hokus.ai/api/")
    assert registry.tracking_uri == "https://staging.hokus.ai/api/mlflow"
    assert registry.api_endpoint == "https://staging.hokus.ai/api"


def test_the_default_endpoint_is_the_registrys_api_base() -> None:
    registry = ModelRegistry(api_key=ALICE)
    assert registry.api_endpoint == "https://registry.hokus.ai/api"
    assert registry.tracking_uri == f"{registry.api_endpoint}/mlflow"


def test_auth_is_the_fourth_and_its_key_and_endpoint_are_used(fake: Any, sk_model: Any) -> None:
    registry = ModelRegistry(None, None, None, HokusaiAuth(BOB))
    registry.register_model(sk_model, "churn")
    assert set(users(fake)) == {"bob"}
    assert registry.config.credentials.source == "the auth argument"
    staged = ModelRegistry(auth=HokusaiAuth(ALICE, "https://staging.hokus.ai/api"))
    assert staged.tracking_uri == "https://staging.hokus.ai/api/mlflow"


def test_an_explicit_key_beats_the_auth_object(fake: Any, sk_model: Any) -> None:
    ModelRegistry(fake.tracking_uri, BOB, auth=HokusaiAuth(ALICE)).register_model(sk_model, "c")
    assert set(users(fake)) == {"bob"}


def test_auth_of_another_type_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="HokusaiAuth"):
        ModelRegistry(auth="hk_live_not_an_auth_object")  # type: ignore[arg-type]


def test_our_keywords_still_work_by_name() -> None:
    registry = ModelRegistry(mode="mock", experiment="exp", probe_timeout=2)
    assert registry.config.mode.value.value == "mock"
    assert registry.config.experiment.value == "exp"


def test_the_old_client_options_are_mapped_or_ignored_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="request_timeout"):
        registry = ModelRegistry(api_key=ALICE, timeout=12)
    assert registry.config.request_timeout.value == 12
    with pytest.warns(DeprecationWarning, match="retry_count"):
        ModelRegistry(retry_count=5)
    with pytest.warns(DeprecationWarning, match="auth_service_url"):
        ModelRegistry(auth_service_url="https://auth.hokus.ai")


def test_an_unknown_keyword_warns_and_does_not_crash() -> None:
    with pytest.warns(UserWarning, match="'colour'"):
        registry = ModelRegistry(mode="mock", colour="blue")
    assert registry.config.mode.value.value == "mock"


def test_a_typo_of_our_own_keyword_raises_before_anything_happens(fake: Any) -> None:
    with pytest.raises(UnknownArgumentError, match="did you mean 'mode'") as info:
        ModelRegistry(fake.tracking_uri, ALICE, mdoe="mock")
    assert isinstance(info.value, TypeError)
    assert fake.requests == []


def test_client_is_an_mlflow_client_on_the_registry_with_its_key(fake: Any, sk_model: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    registry.register_model(sk_model, "churn")
    client = registry.client
    assert isinstance(client, MlflowClient) and registry.client is client
    assert client.tracking_uri == fake.tracking_uri
    assert [m.name for m in client.search_registered_models()] == ["churn"]
    assert set(users(fake)) == {"alice"}


def test_client_calls_from_any_thread_send_this_registrys_key_only(fake: Any) -> None:
    alice = ModelRegistry(fake.tracking_uri, ALICE)
    client = alice.client
    # Bob's registry on the same URI is bound later: an unscoped client would send his key.
    bob = ModelRegistry(fake.tracking_uri, BOB)
    seen: list[str | None] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            before = len(fake.requests)
            client.search_registered_models()
            seen.extend(users(fake)[before:])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and seen and set(seen) == {"alice"}
    bob.client.search_registered_models()
    assert users(fake)[-1] == "bob"


def test_client_keeps_mlflows_own_exceptions(fake: Any) -> None:
    client = ModelRegistry(fake.tracking_uri, ALICE).client
    with pytest.raises(MlflowException):
        client.get_registered_model("no-such-model")


def test_client_in_local_mode_reads_the_local_store(sk_model: Any) -> None:
    registry = ModelRegistry(mode="local")
    registry.register_model(sk_model, "churn")
    assert registry.client.tracking_uri.startswith("sqlite:///")
    assert [m.name for m in registry.client.search_registered_models()] == ["churn"]


def test_client_in_mock_mode_says_there_is_no_mlflow_store() -> None:
    registry = ModelRegistry(mode="mock")
    with pytest.raises(ConfigurationError, match="mode local"):
        _ = registry.client


def test_building_with_the_old_arguments_warns_about_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ModelRegistry("https://registry.hokus.ai/api/mlflow", ALICE, None, None)


def test_a_closed_registrys_client_no_longer_sends_its_key(fake: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, ALICE)
    client = registry.client
    registry.close()
    with pytest.raises(ConfigurationError, match="closed"):
        client.search_registered_models()
    assert fake.requests == []


def test_client_of_a_remote_registry_without_a_key_refuses_rather_than_borrow_one(
    fake: Any,
) -> None:
    ModelRegistry(fake.tracking_uri, BOB)  # a key bound for the same URI
    registry = ModelRegistry(fake.tracking_uri, mode="remote")
    with pytest.raises(AuthenticationError, match="No API key"):
        _ = registry.client
    assert fake.requests == []
