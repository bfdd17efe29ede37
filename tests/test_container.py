"""The container wires each registry from swappable parts; tests replace parts, not internals."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from dependency_injector import providers

from hokusai import ModelRegistry, RegistryUnavailableError
from hokusai.backends.mlflow_store import make_mlflow_client
from hokusai.config.credentials import ApiKey, Credentials
from hokusai.connection.probe import ProbeOutcome
from hokusai.container import Container
from hokusai.models import ProbeResult
from hokusai.testing.faults import Fault
from tests.conftest import KEYS


def test_mlflow_clients_are_built_on_the_resolved_uri_never_a_stale_one(
    fake: Any, sk_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The old SDK configured one URI and built its client on another.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://stale.example/mlflow")
    built: list[str] = []

    def recording_factory(uri: str) -> Any:
        built.append(uri)
        return make_mlflow_client(uri)

    container = Container()
    container.mlflow_client_factory.override(providers.Object(recording_factory))
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], container=container)
    registry.register_model(sk_model, "churn")
    assert built == [fake.tracking_uri]


def test_credentials_provider_can_be_replaced(fake: Any, sk_model: Any) -> None:
    container = Container()
    container.credentials.override(providers.Object(Credentials(ApiKey(KEYS["bob"]), "test vault")))
    registry = ModelRegistry(fake.tracking_uri, container=container)
    assert registry.status().key_source == "test vault"
    registry.register_model(sk_model, "churn")
    assert {r.user for r in fake.requests} == {"bob"}


class UnreachableProbe:
    def check(self) -> ProbeOutcome:
        error = RegistryUnavailableError("down for the test", reason="test")
        return ProbeOutcome(ProbeResult("unreachable", 0.0, None, "test"), error)


def test_a_probe_double_drives_the_fallback_without_any_network(fake: Any, sk_model: Any) -> None:
    container = Container()
    container.probe.override(providers.Object(UnreachableProbe()))
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], container=container)
    entry = registry.register_model(sk_model, "churn")
    assert entry.target == "local" and entry.reason == "registry unreachable: test"
    assert fake.requests == []


def test_two_registries_keep_separate_breakers(fake: Any, sk_model: Any) -> None:
    fake.go_down("refused")
    first = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    assert first.register_model(sk_model, "churn").target == "local"
    fake.come_back()
    second = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    assert second.register_model(sk_model, "churn").target == "remote"
    assert first.register_model(sk_model, "churn").target == "local"


def test_a_redirect_to_another_host_does_not_carry_the_key(fake: Any) -> None:
    from hokusai import HokusaiError
    from hokusai.testing.fake_server import FakeRegistryServer

    with FakeRegistryServer(base_url="https://elsewhere.example", keys={}) as elsewhere:
        target = f"{elsewhere.tracking_uri}/api/2.0/mlflow/model-versions/search"
        fake.inject(
            Fault.status(302, headers={"Location": target}),
            method="GET",
            path="model-versions/search",
            times=None,
        )
        registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
        with pytest.raises(HokusaiError) as raised:
            registry.list_models_by_type("churn")
    # The SDK's transport does not follow redirects at all; the error says what happened.
    assert "redirected" in str(raised.value)
    assert not any(r.key_presented for r in elsewhere.requests)


class HangingSession:
    """A session whose request hangs, as a stuck name resolution does (requests can't bound it)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.finished = False

    def __enter__(self) -> HangingSession:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def request(self, *_args: Any, **_kwargs: Any) -> Any:
        self.release.wait(30)
        self.finished = True
        raise requests.ConnectionError("released")


def test_the_probe_gives_a_verdict_on_time_even_when_resolution_hangs(sk_model: Any) -> None:
    session = HangingSession()
    container = Container()
    container.http_session_factory.override(providers.Object(lambda: session))
    registry = ModelRegistry(
        "https://registry.hokus.ai/api/mlflow",
        api_key=KEYS["alice"],
        probe_timeout=0.2,
        container=container,
    )
    try:
        entry = registry.register_model(sk_model, "churn")
        assert entry.target == "local" and entry.reason == "registry unreachable: timeout"
        assert not session.finished  # the verdict did not wait for the hung request
    finally:
        session.release.set()
