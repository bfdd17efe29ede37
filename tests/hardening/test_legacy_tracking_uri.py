"""A company ``MLFLOW_TRACKING_URI`` is not the Hokusai registry and never gets the Hokusai key.

MLflow's own variable names whatever MLflow server the shell's other tools use. It names the
Hokusai registry only when its host is a Hokusai host or this machine, or the user confirmed
it; otherwise the SDK ignores it, says so once, and ``doctor`` reports it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.config.tracking import DEFAULT_TRACKING_URI
from hokusai.doctor import diagnose
from hokusai.errors import ConfigurationError
from hokusai.testing.fake_server import FakeRegistryServer
from hokusai.testing.proxy_rules import load_keys
from tests.conftest import FIXTURES, KEYS

COMPANY = "https://mlflow.company.example"


@pytest.fixture
def company() -> Iterator[FakeRegistryServer]:
    """The company's own MLflow server, which would accept any key it is handed."""
    with FakeRegistryServer(COMPANY, keys=load_keys(FIXTURES / "keys.json")) as server:
        yield server


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch, company: FakeRegistryServer) -> None:
    """A data scientist's shell: the company MLflow for MLflow tools, the Hokusai key."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", company.tracking_uri)
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])


def settings(registry: ModelRegistry) -> dict[str, tuple[str, str]]:
    return {name: (value, source) for name, value, source in registry.config.settings()}


def ignored_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "Ignoring MLFLOW_TRACKING_URI" in r.getMessage()]


@pytest.mark.usefixtures("shell")
def test_the_key_goes_to_the_hokusai_registry_not_the_company_server(
    fake: Any, company: FakeRegistryServer, sk_model: Any
) -> None:
    registry = ModelRegistry()
    assert registry.tracking_uri == DEFAULT_TRACKING_URI == fake.tracking_uri
    entry = registry.register_model(sk_model, "churn")
    assert entry.target == "remote"
    assert company.requests == []
    assert [v.version for v in fake.model_versions("churn")] == [1]


@pytest.mark.usefixtures("shell")
def test_ignoring_it_is_said_once_with_what_to_do(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hokusai")
    ModelRegistry()
    ModelRegistry()
    (warning,) = ignored_warnings(caplog)
    text = warning.getMessage()
    assert "mlflow.company.example" in text
    assert "HOKUSAI_TRACKING_URI" in text and "HOKUSAI_TRUST_TRACKING_URI=true" in text
    assert KEYS["alice"] not in text


@pytest.mark.usefixtures("shell")
def test_no_warning_in_local_mode_where_no_registry_is_used(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="hokusai")
    ModelRegistry(mode="local")
    assert ignored_warnings(caplog) == []


@pytest.mark.parametrize(
    "uri",
    [
        "https://staging.hokus.ai/api/mlflow",
        "https://registry.hokus.ai/api/mlflow",
        "http://127.0.0.1:5000/api/mlflow",
        "http://localhost:5000",
        "http://[::1]:5000",
    ],
)
def test_a_hokusai_host_or_this_machine_still_names_the_registry(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, uri: str
) -> None:
    caplog.set_level(logging.WARNING, logger="hokusai")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
    registry = ModelRegistry()
    assert registry.tracking_uri == uri
    assert settings(registry)["remote tracking URI"] == (
        uri,
        "environment variable MLFLOW_TRACKING_URI",
    )
    assert ignored_warnings(caplog) == []


def test_a_look_alike_host_is_not_a_hokusai_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://registry.hokus.ai.evil.example/api/mlflow")
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
    assert ModelRegistry().tracking_uri == DEFAULT_TRACKING_URI


@pytest.mark.usefixtures("shell")
def test_confirming_it_makes_it_the_registry(
    monkeypatch: pytest.MonkeyPatch, company: FakeRegistryServer, fake: Any, sk_model: Any
) -> None:
    monkeypatch.setenv("HOKUSAI_TRUST_TRACKING_URI", "true")
    registry = ModelRegistry()
    assert registry.tracking_uri == company.tracking_uri
    assert settings(registry)["trust MLFLOW_TRACKING_URI"] == (
        "true",
        "environment variable HOKUSAI_TRUST_TRACKING_URI",
    )
    registry.register_model(sk_model, "churn")
    assert [v.version for v in company.model_versions("churn")] == [1]
    assert fake.requests == []


@pytest.mark.usefixtures("shell")
def test_the_confirmation_is_a_strict_boolean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_TRUST_TRACKING_URI", "sure")
    with pytest.raises(ConfigurationError, match="HOKUSAI_TRUST_TRACKING_URI='sure'"):
        ModelRegistry()


@pytest.mark.usefixtures("shell")
def test_an_explicit_tracking_uri_argument_is_consent(company: FakeRegistryServer) -> None:
    # The earlier SDK's scripts pass the variable on themselves: ModelRegistry(tracking_uri=...).
    registry = ModelRegistry(tracking_uri=company.tracking_uri)
    assert registry.tracking_uri == company.tracking_uri


@pytest.mark.usefixtures("shell")
def test_doctor_reports_the_ignored_variable() -> None:
    report = diagnose(environ=dict(os.environ), write_check=False)
    conflict = {c.name: c for c in report.conflicts}["MLFLOW_TRACKING_URI"]
    assert conflict.verdict == "warn"
    assert "mlflow.company.example" in conflict.detail
    assert report.remote_uri == DEFAULT_TRACKING_URI
    assert conflict.next_step is not None and "HOKUSAI_TRACKING_URI" in conflict.next_step
