"""Where the earlier SDK's callers put their settings: ``HOKUSAI_API_ENDPOINT`` and the
``[default]`` section of ``~/.hokusai/config`` (``$HOKUSAI_HOME/config``)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

import hokusai
from hokusai import ModelRegistry
from hokusai.config.credential_store import save_key
from hokusai.config.credentials import ApiKey
from hokusai.doctor.configuration import resolve
from hokusai.doctor.conflicts import conflicts
from hokusai.errors import InsecureTransportError
from tests.conftest import KEYS

ALICE, BOB = KEYS["alice"], KEYS["bob"]


def users(fake: Any) -> set[str]:
    return {r.user for r in fake.requests}


def sources(registry: ModelRegistry) -> dict[str, tuple[str, str]]:
    return {name: (value, source) for name, value, source in registry.config.settings()}


@pytest.mark.key_canary_allow("files", reason="writes the key into the earlier SDK's config file")
def test_the_old_config_file_key_registers_with_a_deprecation_naming_login(
    fake: Any, sk_model: Any, isolated_env: Path
) -> None:
    config = isolated_env / "config"
    config.write_text(f"[default]\napi_key = {ALICE}\n")
    before = config.read_bytes()
    with pytest.warns(DeprecationWarning, match="hokusai login"):
        registry = ModelRegistry()
    registry.register_model(sk_model, "churn")
    assert users(fake) == {"alice"}
    assert sources(registry)["API key"][1] == f"api_key in {config} (deprecated)"
    assert config.read_bytes() == before


@pytest.mark.key_canary_allow("files", reason="writes the key into the earlier SDK's config file")
def test_the_environment_and_the_login_store_beat_the_old_config_file(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_env / "config").write_text(f"[default]\napi_key = {ALICE}\n")
    save_key(isolated_env, ApiKey(BOB), use_keyring=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        stored = ModelRegistry().config.credentials
        monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
        from_env = ModelRegistry().config.credentials
    assert stored.api_key == ApiKey(BOB) and (stored.source or "").startswith("credential store")
    assert from_env.source == "environment variable HOKUSAI_API_KEY"


def test_hokusai_api_endpoint_points_registries_at_its_mlflow_mount(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", "https://staging.hokus.ai/api/")
    registry = ModelRegistry(api_key=ALICE)
    assert registry.tracking_uri == "https://staging.hokus.ai/api/mlflow"
    assert registry.api_endpoint == "https://staging.hokus.ai/api"
    rows = sources(registry)
    assert rows["remote tracking URI"][1] == "environment variable HOKUSAI_API_ENDPOINT"
    assert rows["API endpoint"][1] == "environment variable HOKUSAI_API_ENDPOINT"


def test_a_full_tracking_uri_beats_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", "https://staging.hokus.ai/api")
    # A Hokusai host: MLFLOW_TRACKING_URI names the registry only then (or when confirmed).
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://mlflow.hokus.ai")
    assert ModelRegistry().tracking_uri == "https://mlflow.hokus.ai"
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", "https://registry.example.com/api/mlflow")
    assert ModelRegistry().tracking_uri == "https://registry.example.com/api/mlflow"
    assert ModelRegistry(api_endpoint="https://arg.example.com/api").tracking_uri == (
        "https://arg.example.com/api/mlflow"
    )


def test_the_endpoint_in_the_old_config_file_is_read(isolated_env: Path) -> None:
    (isolated_env / "config").write_text("[default]\napi_endpoint = https://staging.hokus.ai/api\n")
    registry = ModelRegistry(api_key=ALICE)
    assert registry.tracking_uri == "https://staging.hokus.ai/api/mlflow"
    assert sources(registry)["API endpoint"][1] == f"config file {isolated_env / 'config'}"


def test_plain_http_endpoints_follow_the_same_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", "http://registry.example.com/api")
    with pytest.raises(InsecureTransportError, match="plain http"):
        ModelRegistry()
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", "http://127.0.0.1:8080/api")
    assert ModelRegistry().tracking_uri == "http://127.0.0.1:8080/api/mlflow"


def test_an_insecure_endpoint_is_refused_even_when_the_tracking_uri_is_safe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    with pytest.raises(InsecureTransportError):
        ModelRegistry(
            "https://registry.hokus.ai/api/mlflow", api_endpoint="http://api.example.com/api"
        )


def test_doctor_shows_where_the_key_and_endpoint_came_from(isolated_env: Path) -> None:
    hokusai.configure(ALICE, api_endpoint="https://staging.hokus.ai/api")
    config, error = resolve({"HOKUSAI_HOME": str(isolated_env)})
    assert error is None and config is not None
    rows = {name: (value, source) for name, value, source in config.settings()}
    assert rows["API key"][1] == "hokusai.configure()"
    assert rows["remote tracking URI"] == (
        "https://staging.hokus.ai/api/mlflow",
        "hokusai.configure()",
    )


@pytest.mark.key_canary_allow("files", reason="writes the key into the earlier SDK's config file")
def test_doctor_warns_about_the_earlier_sdks_settings(isolated_env: Path) -> None:
    (isolated_env / "config").write_text(f"[default]\napi_key = {ALICE}\n")
    env = {
        "HOKUSAI_HOME": str(isolated_env),
        "HOKUSAI_API_ENDPOINT": "https://staging.hokus.ai/api",
        "HOKUSAI_TRACKING_URI": "https://registry.hokus.ai/api/mlflow",
    }
    with pytest.warns(DeprecationWarning):
        config, _ = resolve(env)
    assert config is not None
    found = {check.name: check for check in conflicts(env, config)}
    assert found["HOKUSAI_API_ENDPOINT"].verdict == "warn"
    assert "HOKUSAI_TRACKING_URI" in found["HOKUSAI_API_ENDPOINT"].detail
    assert "hokusai login" in (found["legacy config key"].hint or "")
    assert ALICE not in repr(found)


def test_doctor_is_quiet_when_the_endpoint_is_the_one_in_use(isolated_env: Path) -> None:
    env = {"HOKUSAI_HOME": str(isolated_env), "HOKUSAI_API_ENDPOINT": "https://s.hokus.ai/api"}
    config, _ = resolve(env)
    assert config is not None
    assert {check.name for check in conflicts(env, config)} == set()
