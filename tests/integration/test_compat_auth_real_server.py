"""The earlier SDK's authentication and configuration calls, run as its callers wrote them,
against a real ``mlflow server`` behind the authenticating proxy.

(Here rather than in ``tests/compat/``: the real-server fixtures live in this directory.)
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

import hokusai
import hokusai.auth.exceptions as auth_errors
import hokusai.exceptions as old_errors
from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from hokusai.auth import HokusaiAuth
from hokusai.config import get_mlflow_status, setup_mlflow_auth

pytestmark = pytest.mark.integration

BAD_KEY = "hk_live_" + "0" * 36


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def users_since(server: RealServer, mark: int) -> set[str | None]:
    return {r.user for r in server.requests()[mark:]}


def test_configure_with_an_endpoint_then_a_default_registry(
    live_server: RealServer, sk_model: Any
) -> None:
    key = live_server.key_for("alice")
    hokusai.configure(key, api_endpoint=f"{live_server.base_url}/api")
    mark = len(live_server.requests())
    registry = ModelRegistry()
    name = unique("compat-configure")
    entry = registry.register_model(sk_model, name)
    assert entry.target == "remote" and registry.tracking_uri == live_server.tracking_uri
    versions = registry.client.search_model_versions(f"name='{name}'")
    assert [v.version for v in versions] == [entry.version]
    assert users_since(live_server, mark) == {"alice"}
    assert all(key not in value for value in os.environ.values())


def test_old_positional_form_and_client(live_server: RealServer, sk_model: Any) -> None:
    registry = ModelRegistry(None, live_server.key_for("bob"), f"{live_server.base_url}/api")
    name = unique("compat-positional")
    mark = len(live_server.requests())
    registry.register_model(sk_model, name)
    assert registry.client.get_registered_model(name).name == name
    assert users_since(live_server, mark) == {"bob"}


def test_a_clients_calls_from_other_threads_carry_its_own_key(
    live_server: RealServer, sk_model: Any
) -> None:
    alice = ModelRegistry(
        auth=HokusaiAuth(live_server.key_for("alice"), f"{live_server.base_url}/api")
    )
    name = unique("compat-threads")
    alice.register_model(sk_model, name)
    client = alice.client
    bob = ModelRegistry(live_server.tracking_uri, live_server.key_for("bob"))  # bound later
    mark = len(live_server.requests())
    failures: list[BaseException] = []

    def read() -> None:
        try:
            client.get_registered_model(name)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert users_since(live_server, mark) == {"alice"}
    bob.close()


def test_a_rejected_key_is_caught_by_the_old_names(live_server: RealServer, sk_model: Any) -> None:
    registry = ModelRegistry(live_server.tracking_uri, BAD_KEY)
    with pytest.raises(auth_errors.AuthenticationError) as info:
        registry.register_model(sk_model, unique("compat-401"))
    assert isinstance(info.value, old_errors.MLflowAuthenticationError)
    assert info.value.status_code == 401 and BAD_KEY not in str(info.value)


def test_setup_mlflow_auth_validates_against_the_proxy(
    live_server: RealServer, sk_model: Any
) -> None:
    with pytest.warns(DeprecationWarning), pytest.raises(old_errors.MLflowAuthenticationError):
        setup_mlflow_auth(tracking_uri=live_server.tracking_uri, token=BAD_KEY)
    with pytest.warns(DeprecationWarning):
        setup_mlflow_auth(tracking_uri=live_server.tracking_uri, token=live_server.key_for("bob"))
    mark = len(live_server.requests())
    ModelRegistry().register_model(sk_model, unique("compat-setup-auth"))
    assert users_since(live_server, mark) == {"bob"}
    status = get_mlflow_status()
    assert status["configured"] is True and status["tracking_uri"] == live_server.tracking_uri


@pytest.mark.key_canary_allow("files", reason="writes the key into the earlier SDK's config file")
def test_the_old_config_file_and_endpoint_variable(
    live_server: RealServer, sk_model: Any, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_env / "config").write_text(f"[default]\napi_key = {live_server.key_for('alice')}\n")
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", f"{live_server.base_url}/api")
    mark = len(live_server.requests())
    with pytest.warns(DeprecationWarning, match="hokusai login"):
        registry = ModelRegistry()
    registry.register_model(sk_model, unique("compat-config-file"))
    assert users_since(live_server, mark) == {"alice"}
