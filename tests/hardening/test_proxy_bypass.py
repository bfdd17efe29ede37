"""A loopback registry is never reached through a proxy: the proxy would see the key in clear.

The proxy here is a real loopback socket that records every request it receives; it is set in
HTTP_PROXY, HTTPS_PROXY and ALL_PROXY, as a corporate laptop has them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.doctor import diagnose
from hokusai.transport.proxy_route import route
from tests.cli.conftest import FakeNetwork
from tests.conftest import KEYS
from tests.hardening.proxy_sockets import Recorder, recorder

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    with recorder(502) as seen:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, seen.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        yield seen


@pytest.fixture
def registry_stub() -> Iterator[Recorder]:
    """A loopback http "registry" answering every call with an empty search result."""
    with recorder(200, {"registered_models": []}) as seen:
        yield seen


def doctor_env(tracking_uri: str, home: Any) -> dict[str, str]:
    return {
        "HOKUSAI_HOME": str(home),
        "HOKUSAI_API_KEY": KEYS["alice"],
        "HOKUSAI_TRACKING_URI": tracking_uri,
    }


def test_mlflow_calls_to_a_loopback_registry_go_direct(
    proxy: Recorder, registry_stub: Recorder
) -> None:
    registry = ModelRegistry(registry_stub.url, api_key=KEYS["alice"], mode="remote")
    assert registry.client.search_registered_models() == []
    assert proxy.seen == []
    assert registry_stub.authorizations() == [f"Bearer {KEYS['alice']}"]


def test_the_connectivity_check_goes_direct(proxy: Recorder, registry_stub: Recorder) -> None:
    registry = ModelRegistry(registry_stub.url, api_key=KEYS["alice"], mode="remote")
    status = registry.status(probe=True)
    assert status.last_probe is not None and status.last_probe.verdict == "ok"
    assert proxy.seen == []
    assert registry_stub.authorizations() == [f"Bearer {KEYS['alice']}"]


def test_doctor_says_loopback_bypasses_the_proxy(
    proxy: Recorder, registry_stub: Recorder, isolated_env: Any
) -> None:
    report = diagnose(environ=doctor_env(registry_stub.url, isolated_env), write_check=False)
    rows = {name: (value, source) for name, value, source in report.settings}
    assert rows["proxy"] == ("none: loopback registries bypass proxies", "loopback")
    assert proxy.seen == []


def test_doctor_names_the_proxy_an_https_registry_is_tunnelled_through(
    proxy: Recorder, fake: Any, isolated_env: Any
) -> None:
    env = doctor_env(fake.tracking_uri, isolated_env)
    report = diagnose(environ=env, network=FakeNetwork(), write_check=False)
    rows = {name: value for name, value, _source in report.settings}
    assert rows["proxy"] == proxy.url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/api/mlflow",
        "http://127.9.9.9/x",
        "http://localhost:80/",
        "http://[::1]:5000/",
    ],
)
def test_loopback_urls_get_no_proxy(url: str) -> None:
    assert route(url, {"http": "http://proxy:3128", "all": "http://proxy:3128"}) == {}


def test_other_urls_keep_the_proxy_they_were_given() -> None:
    given = {"https": "http://proxy:3128"}
    assert route("https://registry.hokus.ai/api/mlflow", given) == given
    assert route("http://10.0.0.5:5000/", given) == given


def test_the_environment_is_not_touched(proxy: Recorder, registry_stub: Recorder) -> None:
    before = dict(os.environ)
    registry = ModelRegistry(registry_stub.url, api_key=KEYS["alice"], mode="remote")
    registry.client.search_registered_models()
    assert {k: v for k, v in os.environ.items() if "PROXY" in k.upper()} == {
        k: v for k, v in before.items() if "PROXY" in k.upper()
    }
