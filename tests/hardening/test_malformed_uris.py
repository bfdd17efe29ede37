"""A malformed registry URL is a ``ConfigurationError`` naming the setting and where it came from.

``urllib`` raises a bare ``ValueError`` ("Port out of range 0-65535", "Invalid IPv6 URL") that
says neither which setting held the value nor what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hokusai import ModelRegistry
from hokusai.errors import ConfigurationError
from tests.conftest import KEYS

MALFORMED = [
    pytest.param("http://127.0.0.1:99999/api/mlflow", "Port out of range", id="port-too-big"),
    pytest.param("http://127.0.0.1:http/api/mlflow", "could not be cast", id="port-not-a-number"),
    pytest.param("https://registry.hokus.ai:0/api/mlflow", "port 0", id="port-zero"),
    pytest.param("http://[::1/api/mlflow", "Invalid IPv6 URL", id="unclosed-ipv6-bracket"),
    pytest.param("https://[registry]/api/mlflow", "IPv4 or IPv6", id="bracketed-name"),
    pytest.param("https://regis try.hokus.ai/api/mlflow", "not a host name", id="space-in-host"),
]


@pytest.mark.parametrize(("uri", "problem"), MALFORMED)
def test_as_an_argument(uri: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ModelRegistry(uri, api_key=KEYS["alice"])
    assert isinstance(caught.value, ValueError)
    assert f"The remote tracking URI {uri!r} (from argument) is not a valid URL" in str(
        caught.value
    )
    assert problem in caught.value.message


@pytest.mark.parametrize(("uri", "problem"), MALFORMED)
def test_in_the_environment(monkeypatch: pytest.MonkeyPatch, uri: str, problem: str) -> None:
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", uri)
    with pytest.raises(ConfigurationError, match="environment variable HOKUSAI_TRACKING_URI"):
        ModelRegistry(api_key=KEYS["alice"])


def test_in_the_config_file(isolated_env: Path) -> None:
    (isolated_env / "config").write_text("[default]\ntracking_uri = http://[::1/api/mlflow\n")
    with pytest.raises(ConfigurationError) as caught:
        ModelRegistry(api_key=KEYS["alice"])
    assert f"config file {isolated_env / 'config'}" in caught.value.message
    assert "Invalid IPv6 URL" in caught.value.message


def test_an_api_endpoint_with_a_bad_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", "https://registry.hokus.ai:70000/api")
    with pytest.raises(ConfigurationError, match="environment variable HOKUSAI_API_ENDPOINT"):
        ModelRegistry(api_key=KEYS["alice"])


def test_a_well_formed_ipv6_loopback_is_accepted() -> None:
    assert ModelRegistry("http://[::1]:5000", api_key=KEYS["alice"]).tracking_uri == (
        "http://[::1]:5000"
    )


def test_doctor_reports_it_as_the_configuration_failure(isolated_env: Path) -> None:
    from hokusai.doctor import diagnose

    env = {
        "HOKUSAI_HOME": str(isolated_env),
        "HOKUSAI_API_KEY": KEYS["alice"],
        "HOKUSAI_TRACKING_URI": "http://[::1/api/mlflow",
    }
    report = diagnose(environ=env, write_check=False)
    assert report.blocker is not None and report.blocker.name == "configuration"
    assert isinstance(report.blocker.error, ConfigurationError)
    assert "HOKUSAI_TRACKING_URI" in report.blocker.detail
