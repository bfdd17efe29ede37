"""``hokusai.config``'s earlier functions, called as old scripts call them: they configure the
SDK's process default and report status, and leave ``os.environ`` and MLflow's globals alone."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import mlflow
import pytest

from hokusai import ModelRegistry, get_mlflow_status
from hokusai.auth.client import get_global_auth
from hokusai.config import (
    MLflowAuthConfig,
    ensure_mlflow_configured,
    get_mlflow_auth_status,
    setup_mlflow,
    setup_mlflow_auth,
)
from hokusai.config import get_mlflow_status as config_status
from hokusai.errors import (
    AuthenticationError,
    InsecureTransportError,
    MLflowAuthenticationError,
)
from tests.conftest import KEYS

ALICE, BOB, OUTSIDER = KEYS["alice"], KEYS["bob"], KEYS["outsider"]
BAD = "hk_live_" + "0" * 36


def users(fake: Any) -> set[str]:
    return {r.user for r in fake.requests}


# pytest's own variable, and the SDK's documented non-secret switch for its MLflow auth plugin.
_NOT_OURS = ("PYTEST_CURRENT_TEST", "MLFLOW_TRACKING_AUTH")


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _NOT_OURS}


@pytest.fixture
def untouched_globals() -> Any:
    """Fails the test if it changed the environment or MLflow's global tracking URI."""
    env, uri = _environment(), mlflow.get_tracking_uri()
    yield
    assert _environment() == env
    assert mlflow.get_tracking_uri() == uri


def test_setup_mlflow_with_a_key_configures_registries_and_reports_ready(
    fake: Any, sk_model: Any, untouched_globals: None
) -> None:
    with pytest.warns(DeprecationWarning, match=r"hokusai\.configure"):
        assert setup_mlflow(api_key=ALICE) is True
    ModelRegistry().register_model(sk_model, "churn")
    assert users(fake) == {"alice"}


def test_setup_mlflow_with_a_rejected_key_reports_not_ready(
    fake: Any, untouched_globals: None
) -> None:
    with pytest.warns(DeprecationWarning):
        assert setup_mlflow(api_key=OUTSIDER) is False


def test_setup_mlflow_force_local_makes_registries_local(
    fake: Any, sk_model: Any, untouched_globals: None
) -> None:
    with pytest.warns(DeprecationWarning):
        assert setup_mlflow(api_key=ALICE, force_local=True) is True
    entry = ModelRegistry().register_model(sk_model, "churn")
    assert entry.target == "local" and fake.requests == []


def test_setup_mlflow_in_mock_mode_is_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_MOCK_MODE", "true")
    with pytest.warns(DeprecationWarning):
        assert setup_mlflow() is False
    status = config_status()
    assert status["mock_mode"] is True and status["configured"] is False


def test_setup_mlflow_refuses_plain_http_to_another_host_and_installs_nothing() -> None:
    with (
        pytest.warns(DeprecationWarning),
        pytest.raises(InsecureTransportError, match="plain http"),
    ):
        setup_mlflow("http://registry.example.com/api/mlflow", api_key=ALICE)
    assert ModelRegistry().config.api_key is None


def test_get_mlflow_status_reads_as_the_old_dict_and_as_our_status(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    status = get_mlflow_status()
    assert isinstance(status, Mapping)
    assert status["configured"] is True
    assert status["tracking_uri"] == fake.tracking_uri
    assert status.get("mock_mode") is False and status.get("optional_mode") is False
    assert status["auth_method"] == "bearer_token" and status["is_local"] is False
    assert status.mode == "auto" and status.target == "remote"
    assert dict(status)["remote_uri"] == fake.tracking_uri
    assert ALICE not in repr(dict(status))
    assert config_status()["configured"] is True


def test_status_of_an_unreachable_registry_says_local_fallback(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    fake.go_down("refused")
    status = config_status()
    assert status["configured"] is True and status["is_local"] is True
    assert status["tracking_uri"].startswith("sqlite:///")


def test_ensure_mlflow_configured(fake: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    assert ensure_mlflow_configured() is True
    monkeypatch.setenv("HOKUSAI_API_KEY", OUTSIDER)
    assert ensure_mlflow_configured() is False


def test_setup_mlflow_auth_with_a_token_validates_and_configures(
    fake: Any, sk_model: Any, untouched_globals: None
) -> None:
    with pytest.warns(DeprecationWarning, match="MLFLOW_TRACKING"):
        config = setup_mlflow_auth(tracking_uri=fake.tracking_uri, token=BOB)
    assert isinstance(config, MLflowAuthConfig)
    assert config.token == BOB and config.tracking_uri == fake.tracking_uri
    assert config.is_remote_tracking()
    assert config.get_auth_headers() == {"Authorization": f"Bearer {BOB}"}
    assert BOB not in repr(config)
    assert users(fake) == {"bob"}  # the validation request
    ModelRegistry().register_model(sk_model, "churn")
    assert users(fake) == {"bob"}


def test_setup_mlflow_auth_with_a_bad_token_raises_the_old_error_and_installs_nothing(
    fake: Any,
) -> None:
    with pytest.warns(DeprecationWarning), pytest.raises(MLflowAuthenticationError) as info:
        setup_mlflow_auth(tracking_uri=fake.tracking_uri, token=BAD)
    assert isinstance(info.value, AuthenticationError) and info.value.status_code == 401
    assert BAD not in str(info.value)
    assert ModelRegistry().config.api_key is None and get_global_auth() is None


def test_setup_mlflow_auth_without_any_key_says_none_is_set(fake: Any) -> None:
    with pytest.warns(DeprecationWarning), pytest.raises(AuthenticationError, match="No API key"):
        setup_mlflow_auth(tracking_uri=fake.tracking_uri)
    assert fake.requests == []


def test_basic_auth_and_tls_options_are_refused_with_a_warning(untouched_globals: None) -> None:
    with pytest.warns(UserWarning, match="username/password"), pytest.warns(DeprecationWarning):
        setup_mlflow_auth(username="me", password="secret", validate=False)
    with pytest.warns(UserWarning, match="insecure_tls"), pytest.warns(DeprecationWarning):
        setup_mlflow_auth(token=ALICE, validate=False, insecure_tls=True)


def test_configure_environment_no_longer_writes_the_token(untouched_globals: None) -> None:
    config = MLflowAuthConfig(tracking_uri="https://registry.hokus.ai/api/mlflow", token=ALICE)
    with pytest.warns(DeprecationWarning, match="no longer writes"):
        config.configure_environment()


def test_get_mlflow_auth_status_names_the_key_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert get_mlflow_auth_status()["auth_type"] == "none"
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    status = get_mlflow_auth_status()
    assert status["auth_type"] == "token" and status["is_configured"] is True
    assert status["is_remote"] is True
    assert status["tracking_uri"] == "https://registry.hokus.ai/api/mlflow"
    assert status["key_source"] == "environment variable HOKUSAI_API_KEY"
    assert ALICE not in repr(status)
