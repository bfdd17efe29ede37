"""BearerAuth adds the key only to requests under a bound registry URI, over https or loopback."""

from __future__ import annotations

import os
import threading

import pytest
import requests

from hokusai.config.credentials import ApiKey
from hokusai.connection import request_auth as auth
from hokusai.errors import ConfigurationError

KEY_A = ApiKey("hk_live_" + "A" * 36)
KEY_B = ApiKey("hk_live_" + "B" * 36)


def header(url: str, provider: auth.BearerAuth | None = None) -> str | None:
    prepared = requests.Request("GET", url).prepare()
    (provider or auth.BearerAuth())(prepared)
    return prepared.headers.get("Authorization")


@pytest.fixture
def bound() -> object:
    binding = auth.bind("https://registry.hokus.ai/api/mlflow", KEY_A)
    yield binding
    auth.unbind(binding)


@pytest.mark.usefixtures("bound")
@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://registry.hokus.ai/api/mlflow/api/2.0/mlflow/runs/create", True),
        ("https://REGISTRY.hokus.ai:443/api/mlflow/api/2.0/mlflow-artifacts/artifacts/x", True),
        ("https://registry.hokus.ai/api/mlflowx/api/2.0/mlflow/runs/create", False),
        ("https://registry.hokus.ai/api/health/mlflow", False),
        ("https://registry.hokus.ai:8443/api/mlflow/api/2.0/mlflow/runs/create", False),
        ("http://registry.hokus.ai/api/mlflow/api/2.0/mlflow/runs/create", False),
        ("https://registry.hokus.ai.evil.example/api/mlflow/x", False),
        ("https://other.example/api/mlflow/api/2.0/mlflow/runs/create", False),
    ],
)
def test_key_goes_only_to_the_bound_origin_and_mount(url: str, sent: bool) -> None:
    expected = f"Bearer {KEY_A.reveal()}" if sent else None
    assert header(url) == expected


def test_plain_http_is_allowed_to_loopback_only() -> None:
    binding = auth.bind("http://127.0.0.1:5000/api/mlflow", KEY_A)
    try:
        assert header("http://127.0.0.1:5000/api/mlflow/api/2.0/mlflow/x") is not None
    finally:
        auth.unbind(binding)
    insecure = auth.bind("http://10.1.2.3/api/mlflow", KEY_A)
    try:
        assert header("http://10.1.2.3/api/mlflow/api/2.0/mlflow/x") is None
    finally:
        auth.unbind(insecure)


def test_unbinding_stops_the_key() -> None:
    binding = auth.bind("https://r.example/api/mlflow", KEY_A)
    auth.unbind(binding)
    assert header("https://r.example/api/mlflow/x") is None


def test_the_acting_registry_wins_for_its_own_thread() -> None:
    first = auth.bind("https://r.example/api/mlflow", KEY_A)
    second = auth.bind("https://r.example/api/mlflow", KEY_B)
    seen: dict[str, str | None] = {}

    def as_first() -> None:
        with auth.acting_as(first):
            seen["first"] = header("https://r.example/api/mlflow/x")

    try:
        thread = threading.Thread(target=as_first)
        thread.start()
        thread.join()
        with auth.acting_as(second):
            seen["second"] = header("https://r.example/api/mlflow/x")
    finally:
        auth.unbind(first)
        auth.unbind(second)
    assert seen == {"first": f"Bearer {KEY_A.reveal()}", "second": f"Bearer {KEY_B.reveal()}"}


def test_our_key_replaces_a_stray_basic_or_token_header(bound: object) -> None:
    prepared = requests.Request(
        "GET",
        "https://registry.hokus.ai/api/mlflow/x",
        headers={"Authorization": "Basic dXNlcjpwdw=="},
    ).prepare()
    auth.BearerAuth()(prepared)
    assert prepared.headers["Authorization"] == f"Bearer {KEY_A.reveal()}"


def test_another_auth_provider_in_mlflow_tracking_auth_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "kubernetes")
    with pytest.raises(ConfigurationError, match="MLFLOW_TRACKING_AUTH='kubernetes'"):
        auth.install_provider()


def test_install_selects_the_provider_and_mlflow_can_find_it() -> None:
    auth.install_provider()
    assert os.environ["MLFLOW_TRACKING_AUTH"] == "hokusai"
    from mlflow.tracking.request_auth.registry import fetch_auth

    assert isinstance(fetch_auth("hokusai"), auth.BearerAuth)


def test_auth_repr_holds_no_key(bound: object) -> None:
    assert KEY_A.reveal() not in repr(auth.BearerAuth())
    assert KEY_A.reveal() not in repr(bound)
