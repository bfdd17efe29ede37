"""``hokusai.configure()``/``hokusai.setup()``: a process-wide default key, as the earlier SDK's
callers set it, that never touches ``os.environ``."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from dependency_injector import providers

import hokusai
from hokusai import ModelRegistry
from hokusai.auth import HokusaiAuth
from hokusai.auth.client import get_global_auth
from hokusai.config import clear_defaults
from hokusai.container import Container
from tests.conftest import KEYS

ALICE, BOB = KEYS["alice"], KEYS["bob"]


def users(fake: Any) -> set[str]:
    return {r.user for r in fake.requests}


def test_configure_makes_the_key_every_registrys_default(fake: Any, sk_model: Any) -> None:
    hokusai.configure(ALICE)
    entry = ModelRegistry().register_model(sk_model, "churn")
    assert entry.target == "remote"
    assert users(fake) == {"alice"}
    assert all(ALICE not in value for value in os.environ.values())
    assert "MLFLOW_TRACKING_TOKEN" not in os.environ


def test_setup_is_the_same_and_get_global_auth_returns_it(fake: Any, sk_model: Any) -> None:
    hokusai.setup(BOB)
    auth = get_global_auth()
    assert isinstance(auth, HokusaiAuth) and auth.api_key == BOB
    ModelRegistry().register_model(sk_model, "churn")
    assert users(fake) == {"bob"}


def test_the_default_key_is_shown_with_its_source_and_masked() -> None:
    hokusai.configure(ALICE)
    registry = ModelRegistry()
    rows = {name: (value, source) for name, value, source in registry.config.settings()}
    assert rows["API key"] == (f"hk_live_…{ALICE[-4:]}", "hokusai.configure()")
    assert ALICE not in repr(registry)


def test_a_registrys_own_key_beats_the_default(fake: Any, sk_model: Any) -> None:
    hokusai.configure(ALICE)
    ModelRegistry(api_key=BOB).register_model(sk_model, "churn")
    ModelRegistry(auth=HokusaiAuth(BOB)).register_model(sk_model, "churn")
    assert users(fake) == {"bob"}


def test_the_default_beats_the_environment_as_the_old_global_auth_did(
    fake: Any, sk_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", BOB)
    hokusai.configure(ALICE)
    ModelRegistry().register_model(sk_model, "churn")
    assert users(fake) == {"alice"}


def test_the_configured_endpoint_picks_the_registry() -> None:
    hokusai.configure(ALICE, api_endpoint="https://staging.hokus.ai/api")
    registry = ModelRegistry()
    assert registry.tracking_uri == "https://staging.hokus.ai/api/mlflow"
    assert registry.api_endpoint == "https://staging.hokus.ai/api"
    explicit = ModelRegistry("https://other.hokus.ai/api/mlflow")
    assert explicit.tracking_uri == "https://other.hokus.ai/api/mlflow"


def test_a_registry_keeps_the_key_it_was_built_with(fake: Any, sk_model: Any) -> None:
    hokusai.configure(ALICE)
    before = ModelRegistry()
    hokusai.configure(BOB)
    before.register_model(sk_model, "churn")
    assert users(fake) == {"alice"}


def test_clearing_the_default_forgets_it() -> None:
    hokusai.configure(ALICE)
    clear_defaults()
    assert get_global_auth() is None
    assert ModelRegistry().config.api_key is None


def test_a_container_override_ignores_the_default() -> None:
    hokusai.configure(ALICE)
    container = Container()
    container.process_defaults.override(providers.Object({}))
    assert ModelRegistry(container=container).config.api_key is None


def test_the_default_set_in_one_thread_serves_registries_built_in_another(
    fake: Any, sk_model: Any
) -> None:
    hokusai.configure(BOB)
    failures: list[BaseException] = []

    def register() -> None:
        try:
            ModelRegistry().register_model(sk_model, "churn")
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    worker = threading.Thread(target=register)
    worker.start()
    worker.join()
    assert failures == [] and users(fake) == {"bob"}


def test_configure_with_the_auth_service_options_warns_and_sends_nothing(fake: Any) -> None:
    with pytest.warns(DeprecationWarning, match="validate_with_auth_service"):
        hokusai.configure(ALICE, validate_with_auth_service=True)
    assert fake.requests == []
    assert get_global_auth() is not None


def test_configure_refuses_plain_http_to_another_host_and_keeps_the_old_default() -> None:
    hokusai.configure(ALICE)
    with pytest.raises(hokusai.errors.InsecureTransportError):
        hokusai.configure(BOB, api_endpoint="http://registry.example.com/api")
    auth = get_global_auth()
    assert auth is not None and auth.api_key == ALICE
