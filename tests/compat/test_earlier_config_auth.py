"""``ProfileManager``/``AuthConfig``, ``get_mlflow_config``, ``MLflowSetup`` and
``register_baseline_via_api``: the earlier calls, on this SDK's key store and registry."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path
from typing import Any

import pytest

from hokusai import HokusaiAuth, ModelNotFoundError, ModelRegistry
from hokusai.auth.config import AuthConfig, ProfileManager
from hokusai.config import get_mlflow_config
from hokusai.config.mlflow_setup import MLflowSetup
from hokusai.errors import ConfigurationError
from tests.conftest import KEYS

ALICE, BOB = KEYS["alice"], KEYS["bob"]


def test_profiles_are_stored_privately_and_give_a_registry_its_key(
    fake: Any, isolated_env: Path, sk_model: Any
) -> None:
    profiles = ProfileManager()
    profiles.add_profile("staging", ALICE)
    assert profiles.profiles == ["staging"]
    stored = profiles.config_file
    assert stored == isolated_env / "credentials"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert not (isolated_env / "profiles").exists()  # the earlier plain-text file

    auth = profiles.get_profile("staging")
    assert isinstance(auth, HokusaiAuth) and ALICE not in repr(auth)
    assert profiles.get_profile("nobody") is None
    entry = ModelRegistry(fake.tracking_uri, auth=auth).register_model(sk_model, "churn")
    assert entry.target == "remote"


def test_set_active_makes_the_profile_the_default_key(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = ProfileManager()
    profiles.add_profile("default", BOB)
    profiles.add_profile("live", ALICE)
    with pytest.warns(DeprecationWarning, match="HOKUSAI_PROFILE=live"):
        profiles.set_active("live")
    assert HokusaiAuth().api_key == ALICE
    with pytest.raises(ConfigurationError, match="Profile 'gone' not found"):
        profiles.set_active("gone")
    assert not any(ALICE in value for value in os.environ.values())


def test_a_profile_keeps_no_endpoint_and_the_old_file_is_named(isolated_env: Path) -> None:
    with pytest.warns(DeprecationWarning, match="HOKUSAI_API_ENDPOINT"):
        ProfileManager().add_profile("p", ALICE, api_endpoint="https://api.example.com")
    (isolated_env / "profiles").write_text("[old]\napi_key = an-earlier-key\n")
    with pytest.warns(DeprecationWarning, match="plain-text profiles"):
        assert ProfileManager().profiles == ["p"]


def test_auth_config_finds_the_key_as_a_registry_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="No API key found"):
        AuthConfig().validate()
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    config = AuthConfig()
    assert config.api_key == ALICE and ALICE not in repr(config)
    assert config.to_auth().api_key == ALICE
    ini = tmp_path / "auth.ini"
    ini.write_text(f"[default]\napi_key = {BOB}\napi_endpoint = https://api.example.com\n")
    from_file = AuthConfig.from_file(ini)
    assert from_file.api_key == BOB and from_file.api_endpoint == "https://api.example.com"


def test_get_mlflow_config_describes_the_default_registry_without_a_request(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = get_mlflow_config()
    assert local["has_token"] is False and local["tracking_uri"].startswith("sqlite:///")
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fake.tracking_uri)
    remote = get_mlflow_config()
    assert remote["tracking_uri"] == remote["registry_uri"] == fake.tracking_uri
    assert remote["has_token"] is True and remote["mock_mode"] is False
    assert ALICE not in repr(remote) and fake.requests == []
    monkeypatch.setenv("HOKUSAI_MOCK_MODE", "true")
    assert get_mlflow_config()["mock_mode"] is True


def test_mlflow_setup_configures_the_process_default_not_mlflows_globals(
    fake: Any, sk_model: Any
) -> None:
    import mlflow

    before = mlflow.get_tracking_uri()
    with pytest.warns(DeprecationWarning, match="no longer sets MLflow's global tracking URI"):
        setup = MLflowSetup(fake.tracking_uri)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert setup.configure(api_key=ALICE) is True
    status = setup.get_status()
    assert status["configured"] and status["tracking_uri"] == fake.tracking_uri
    assert status["auth_method"] == "bearer_token" and not status["is_local"]
    assert ModelRegistry().register_model(sk_model, "churn").target == "remote"
    assert mlflow.get_tracking_uri() == before
    assert not any(ALICE in value for value in os.environ.values())

    local = MLflowSetup()
    assert local.configure(force_local=True) is True and local.is_local


@pytest.mark.parametrize("old_env", ["local", "remote"], indirect=True)
def test_register_baseline_via_api_registers_the_runs_model(old_env: str) -> None:
    registry = ModelRegistry()
    client = registry.client
    run = client.create_run(client.create_experiment("training"))
    with pytest.warns(DeprecationWarning, match="register_baseline\\('runs:/"):
        entry = registry.register_baseline_via_api("churn", run.info.run_id, {"team": "ml"})
    assert entry.is_baseline and entry.name == "churn"
    assert entry.run_id == run.info.run_id and entry.source == f"runs:/{run.info.run_id}/model"
    assert registry.get_model_by_id(entry.model_id).version == entry.version
    with pytest.warns(DeprecationWarning), pytest.raises(ModelNotFoundError):
        registry.register_baseline_via_api("churn", "0" * 32)
