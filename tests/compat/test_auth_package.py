"""``hokusai.auth`` as the earlier SDK's callers used it: ``HokusaiAuth`` and its errors."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import pytest

import hokusai
from hokusai import errors
from hokusai.auth import HokusaiAuth
from hokusai.auth import client as auth_client
from hokusai.auth import exceptions as auth_errors
from tests.conftest import KEYS

ALICE, BOB = KEYS["alice"], KEYS["bob"]


def test_old_import_paths_work() -> None:
    from hokusai import HokusaiAuth as RootAuth
    from hokusai.auth.client import configure, get_global_auth, setup

    assert RootAuth is HokusaiAuth is auth_client.HokusaiAuth
    assert configure is hokusai.configure and setup is hokusai.setup
    assert get_global_auth() is None


def test_auth_errors_are_the_errors_the_sdk_raises() -> None:
    assert auth_errors.AuthenticationError is errors.AuthenticationError
    assert auth_errors.AuthorizationError is errors.PermissionDeniedError
    assert auth_errors.RateLimitError is errors.RateLimitedError
    for cls in (errors.AuthenticationError, errors.PermissionDeniedError, errors.RateLimitedError):
        assert issubclass(cls, auth_errors.HokusaiAuthError)


def test_hokusai_auth_with_a_key_reads_as_before() -> None:
    auth = HokusaiAuth(api_key=ALICE)
    assert auth.api_key == ALICE
    assert auth.api_endpoint == "https://registry.hokus.ai/api"
    headers = auth.get_headers()
    assert headers["Authorization"] == f"Bearer {ALICE}"
    assert headers["Content-Type"] == "application/json"
    assert auth.user_id is None and auth.scopes is None


def test_hokusai_auth_never_shows_or_exports_the_key() -> None:
    auth = HokusaiAuth(ALICE, "https://staging.hokus.ai/api")
    assert ALICE not in repr(auth) and ALICE not in str(vars(auth))
    assert f"…{ALICE[-4:]}" in repr(auth)
    assert all(ALICE not in value for value in os.environ.values())
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(auth)


def test_hokusai_auth_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", BOB)
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", "https://staging.hokus.ai/api/")
    auth = HokusaiAuth()
    assert auth.api_key == BOB
    assert auth.api_endpoint == "https://staging.hokus.ai/api"
    assert auth.credentials.source == "environment variable HOKUSAI_API_KEY"


def test_no_key_anywhere_is_a_value_error_naming_the_fixes() -> None:
    with pytest.raises(ValueError) as info:
        HokusaiAuth()
    assert isinstance(info.value, errors.ConfigurationError)
    assert "HOKUSAI_API_KEY" in str(info.value) and "hokusai login" in str(info.value)


def test_plain_http_to_another_host_is_refused_but_loopback_is_fine() -> None:
    with pytest.raises(errors.InsecureTransportError, match=r"registry\.example\.com"):
        HokusaiAuth(ALICE, api_endpoint="http://registry.example.com/api")
    assert HokusaiAuth(ALICE, "http://127.0.0.1:5000/api").api_endpoint.startswith("http://127")


def test_validating_with_the_auth_service_warns_and_sends_nothing(fake: Any) -> None:
    with pytest.warns(DeprecationWarning, match="validate_with_auth_service"):
        auth = HokusaiAuth(ALICE, validate_with_auth_service=True)
    with pytest.warns(DeprecationWarning, match="auth_service_url"):
        HokusaiAuth(ALICE, auth_service_url="https://auth.hokus.ai")
    assert auth.api_key == ALICE
    assert fake.requests == []


def test_the_old_validate_switch_in_the_environment_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_VALIDATE_API_KEY", "true")
    with pytest.warns(DeprecationWarning, match="HOKUSAI_VALIDATE_API_KEY"):
        HokusaiAuth(ALICE)


@pytest.mark.key_canary_allow("files", reason="writes the key into the earlier SDK's config file")
def test_the_old_config_file_key_is_read_with_a_deprecation_naming_login(
    isolated_env: Path,
) -> None:
    config = isolated_env / "config"
    config.write_text(f"[default]\napi_key = {BOB}\napi_endpoint = https://staging.hokus.ai/api\n")
    before = config.read_bytes()
    with pytest.warns(DeprecationWarning, match="hokusai login"):
        auth = HokusaiAuth()
    assert auth.api_key == BOB and auth.api_endpoint == "https://staging.hokus.ai/api"
    assert "deprecated" in (auth.credentials.source or "")
    assert config.read_bytes() == before


@pytest.mark.key_canary_allow("files", reason="writes the key into the earlier SDK's config file")
def test_an_explicit_key_does_not_read_the_old_config_file(isolated_env: Path) -> None:
    (isolated_env / "config").write_text(f"[default]\napi_key = {BOB}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert HokusaiAuth(ALICE).api_key == ALICE
