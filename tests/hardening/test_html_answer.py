"""An HTML page where the MLflow API should answer (a captive portal, a wrong host) is named so.

It was reported as ``http-500``, an outage of the registry, which sends the user looking at
the wrong thing.
"""

from __future__ import annotations

from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.errors import RegistryUnavailableError
from hokusai.testing.faults import Fault
from tests.conftest import KEYS


def test_a_registration_answered_with_html_says_so(fake: Any, sk_model: Any) -> None:
    fake.inject(Fault.html(200), times=None)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    with pytest.raises(RegistryUnavailableError) as caught:
        registry.register_model(sk_model, "churn")
    error = caught.value
    assert error.reason == "not-mlflow"
    assert "HTML" in error.message and "not the MLflow API" in error.message
    assert "http-500" not in str(error) and "HTTP 500" not in str(error)
    assert "HOKUSAI_TRACKING_URI" in error.hint


def test_a_read_answered_with_html_says_so(fake: Any) -> None:
    fake.inject(Fault.html(200), times=None)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    with pytest.raises(RegistryUnavailableError, match="HTML") as caught:
        registry.get_model_version("churn", 1)
    assert caught.value.reason == "not-mlflow"


def test_doctor_does_not_call_an_html_page_an_accepted_key(fake: Any, isolated_env: Any) -> None:
    from hokusai.doctor import diagnose
    from tests.cli.conftest import FakeNetwork

    fake.inject(Fault.html(200), times=None)
    env = {
        "HOKUSAI_HOME": str(isolated_env),
        "HOKUSAI_API_KEY": KEYS["alice"],
        "HOKUSAI_TRACKING_URI": fake.tracking_uri,
    }
    report = diagnose(environ=env, network=FakeNetwork(), write_check=False)
    read = {c.name: c for c in report.checks}["registry read"]
    assert read.verdict == "fail" and "HTML" in read.detail
