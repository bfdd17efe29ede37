"""The key goes to the registry's origin only, and never into logs, errors, repr or os.environ."""

from __future__ import annotations

import gc
import logging
import os
import pickle
import threading
from typing import Any

import pytest

from hokusai import AuthenticationError, ModelRegistry, RegistryError
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

ALICE, BOB = KEYS["alice"], KEYS["bob"]


def test_key_never_appears_in_debug_logs(
    fake: Any, sk_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        registry = ModelRegistry(fake.tracking_uri, api_key=ALICE)
        registry.register_model(sk_model, "churn", alias="champion")
        registry.status(probe=True)
        fake.go_down("refused")
        registry.container.breaker().reset()
        registry.register_model(sk_model, "churn")
    assert caplog.records, "the test must actually capture logs"
    for record in caplog.records:
        assert ALICE not in record.getMessage()
        assert ALICE not in str(record.args)


def test_key_never_enters_the_process_environment(fake: Any, sk_model: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, api_key=ALICE)
    registry.register_model(sk_model, "churn")
    assert all(ALICE not in value for value in os.environ.values())
    assert "MLFLOW_TRACKING_TOKEN" not in os.environ


def test_key_is_not_in_repr_status_or_entries(fake: Any, sk_model: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, api_key=ALICE)
    entry = registry.register_model(sk_model, "churn")
    for text in (repr(registry), repr(registry.status()), repr(entry), repr(registry.config)):
        assert ALICE not in text
    assert f"…{ALICE[-4:]}" in repr(registry)


def test_error_text_names_the_key_source_masked_never_the_key(fake: Any, sk_model: Any) -> None:
    fake.inject(Fault.invalid_key(), path="model-versions/create", times=None)
    registry = ModelRegistry(fake.tracking_uri, api_key=ALICE)
    with pytest.raises(AuthenticationError) as info:
        registry.register_model(sk_model, "churn")
    text = str(info.value)
    assert ALICE not in text and ALICE not in repr(info.value)
    assert "API key from argument" in text and f"…{ALICE[-4:]}" in text
    assert "registering model 'churn'" in text
    restored = pickle.loads(pickle.dumps(info.value))
    assert type(restored) is AuthenticationError and restored.status == 401


def test_every_request_carries_the_key_as_a_bearer_header(fake: Any, sk_model: Any) -> None:
    registry = ModelRegistry(fake.tracking_uri, api_key=ALICE)
    entry = registry.register_model(sk_model, "churn")
    registry.load_model("churn", entry.version)
    uploads = [r for r in fake.requests if r.method == "PUT"]
    downloads = [r for r in fake.requests if "mlflow-artifacts" in r.path and r.method == "GET"]
    assert uploads and downloads
    assert {r.user for r in fake.requests} == {"alice"}


def test_the_local_store_and_other_servers_never_see_the_key(
    fake: Any, sk_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hokusai.testing.fake_server import FakeRegistryServer
    from hokusai.testing.proxy_rules import KeyGrant

    other = FakeRegistryServer(base_url="https://other.example", keys={BOB: KeyGrant("bob")})
    with other:
        registry = ModelRegistry(fake.tracking_uri, api_key=ALICE)
        registry.register_model(sk_model, "churn")
        # A plain MLflow client in the same process, talking to another server, gets no key.
        from mlflow import MlflowClient

        with pytest.raises(Exception):  # noqa: B017 - the proxy's 401 surfaces as MLflow's error
            MlflowClient(other.tracking_uri).create_registered_model("x")
    assert [r.key_presented for r in other.requests] == [False]


def test_two_registries_with_two_keys_in_two_threads_each_send_their_own(
    fake: Any, sk_model: Any
) -> None:
    registries = {
        "alice": ModelRegistry(fake.tracking_uri, api_key=ALICE),
        "bob": ModelRegistry(fake.tracking_uri, api_key=BOB),
    }
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(user: str) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                registries[user].register_model(sk_model, f"model-{user}")
        except BaseException as exc:  # surfaced below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(u,)) for u in registries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(fake.model_versions("model-alice")) == 3
    assert len(fake.model_versions("model-bob")) == 3
    for record in fake.requests:
        owner = (
            "alice"
            if "model-alice" in record.path
            else "bob"
            if "model-bob" in record.path
            else None
        )
        if owner:
            assert record.user == owner
    users = {r.user for r in fake.requests}
    assert users == {"alice", "bob"}


def test_a_closed_registry_stops_sending_its_key(fake: Any, sk_model: Any) -> None:
    from mlflow import MlflowClient

    gc.collect()  # registries of earlier tests in this process release their keys when collected
    with ModelRegistry(fake.tracking_uri, api_key=ALICE) as registry:
        registry.register_model(sk_model, "churn")
    with pytest.raises(Exception):  # noqa: B017 - the proxy's 401, as MLflow reports it
        MlflowClient(fake.tracking_uri).search_registered_models()
    assert fake.requests[-1].key_presented is False


def test_a_garbage_collected_registry_stops_sending_its_key(fake: Any, sk_model: Any) -> None:
    from mlflow import MlflowClient

    ModelRegistry(fake.tracking_uri, api_key=ALICE).register_model(sk_model, "churn")
    gc.collect()
    with pytest.raises(Exception):  # noqa: B017 - the proxy's 401, as MLflow reports it
        MlflowClient(fake.tracking_uri).search_registered_models()
    assert fake.requests[-1].key_presented is False


# -- a key written into the tracking URI (`?api_key=...`): shown masked, requests unchanged ----
def _key_in_uri(fake: Any) -> tuple[str, str]:
    """The URI with the key in it, and the URI as it must be shown."""
    return f"{fake.tracking_uri}?api_key={ALICE}", f"{fake.tracking_uri}?api_key=***"


def test_error_text_shows_a_key_in_the_tracking_uri_masked(fake: Any) -> None:
    uri, shown = _key_in_uri(fake)
    registry = ModelRegistry(uri, api_key=ALICE, mode="remote")
    with pytest.raises(RegistryError) as info:
        registry.get_model_version("churn", 1)
    assert info.value.uri == shown
    assert f"Registry: {shown}." in str(info.value)
    assert ALICE not in str(info.value) and ALICE not in repr(info.value)


def test_debug_logs_show_a_key_in_the_tracking_uri_masked(
    fake: Any, sk_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    uri, shown = _key_in_uri(fake)
    fake.go_down("refused")
    with caplog.at_level(logging.DEBUG):
        ModelRegistry(uri, api_key=ALICE).register_model(sk_model, "churn")
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"The Hokusai registry {shown} is unreachable" in m for m in messages), messages
    for record in caplog.records:
        assert ALICE not in record.getMessage() and ALICE not in str(record.args)


def test_reprs_show_a_key_in_the_tracking_uri_masked(fake: Any) -> None:
    from hokusai.auth import HokusaiAuth
    from hokusai.config.mlflow_auth import MLflowAuthConfig

    uri, shown = _key_in_uri(fake)
    registry = ModelRegistry(uri, api_key=ALICE, mode="remote")
    config = registry.config
    texts = {
        "ModelRegistry": repr(registry),
        "TrackingConfig": repr(config),
        "Setting": repr(config.remote_uri),
        "backend": repr(registry.container.remote_store()),
        "client": repr(registry.client),
        "status": repr(registry.status()),
        "HokusaiAuth": repr(HokusaiAuth(ALICE, api_endpoint=f"{fake.tracking_uri}?token=t0k3n")),
        "MLflowAuthConfig": repr(MLflowAuthConfig(tracking_uri=uri, token=ALICE)),
    }
    for name, text in texts.items():
        assert ALICE not in text and "t0k3n" not in text, name
        assert "=***" in text, f"{name}: {text}"
    assert shown in texts["ModelRegistry"] and shown in texts["backend"]
    # The registry still talks to the URI it was given.
    assert registry.tracking_uri == uri and config.remote_uri.value == uri


@pytest.mark.key_canary_allow(
    "logs", reason="urllib3's log call quotes the URI raw; what its handlers get is under test"
)
def test_urllib3s_own_request_lines_show_a_key_in_the_tracking_uri_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Over a real socket (the fake's `responses` never reaches urllib3): urllib3 logs every
    # request line at DEBUG, query string included, in the user's own logs.
    from tests.hardening.loopback import PROBE_PATH, Peer, Servers, probe_ok

    def missing(peer: Peer) -> None:
        peer.answer(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such version"})

    with Servers() as servers, caplog.at_level(logging.DEBUG):
        server = servers(missing, {PROBE_PATH: probe_ok})
        registry = ModelRegistry(f"{server.url}/mlflow?api_key={BOB}", api_key=ALICE, mode="remote")
        with pytest.raises(RegistryError):
            registry.get_model_version("churn", 1)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("/mlflow?api_key=***" in line for line in lines), lines
    for record in caplog.records:
        assert BOB not in record.getMessage() and ALICE not in record.getMessage()
