"""``hokusai login`` / ``logout`` / ``whoami``, with the credentials file and with a keyring."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.output import EXIT_AUTH, EXIT_OK, EXIT_PERMISSION, EXIT_UNAVAILABLE
from hokusai.config.credential_store import keyring_entry
from tests.cli.conftest import (
    UNKNOWN_KEY,
    Cli,
    assert_no_secret,
    prompt_gives,
    type_key,
)
from tests.conftest import KEYS

ALICE = KEYS["alice"]


@pytest.fixture
def registry(fake: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    return fake


def test_login_without_a_keyring_writes_a_0600_file_then_whoami_and_logout(
    cli: Cli, registry: Any, home: Path, monkeypatch: pytest.MonkeyPatch, null_keyring: None
) -> None:
    type_key(monkeypatch, ALICE)
    result = cli("login", "--stdin")
    credentials = home / "credentials"
    assert result.code == EXIT_OK
    assert f"stored in {credentials}" in result.out and "hk_live_…oaqK" in result.out
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert ALICE in credentials.read_text()
    assert registry.requests[-1].user == "alice"  # it was checked against the registry

    who = cli("whoami", "--json")
    answer = json.loads(who.out)
    assert who.code == EXIT_OK
    assert answer["key"] == "hk_live_…oaqK"
    assert answer["source"] == f"credential store ({credentials})"
    assert answer["accepted"] is True and answer["registry"] == registry.tracking_uri

    out = cli("logout")
    assert out.code == EXIT_OK and str(credentials) in out.out
    assert not credentials.exists()
    again = cli("whoami")
    assert again.code == EXIT_AUTH
    assert "(none)" in again.out and "hokusai login" in again.out


def test_login_with_a_keyring_stores_nothing_on_disk(
    cli: Cli, registry: Any, home: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: Any
) -> None:
    prompt_gives(monkeypatch, ALICE)
    result = cli("login")
    assert result.code == EXIT_OK and "stored in OS keyring" in result.out
    # This test's HOKUSAI_HOME is not ~/.hokusai: its own service name, never the real one's.
    assert memory_keyring.secrets == {(keyring_entry(home)[0], "api_key"): ALICE}
    assert keyring_entry(home)[0].startswith("hokusai:")
    assert not (home / "credentials").exists()

    who = cli("whoami")
    assert who.code == EXIT_OK
    assert "credential store (OS keyring)" in who.out and "yes" in who.out

    assert "OS keyring" in cli("logout").out
    assert memory_keyring.secrets == {}


@pytest.mark.parametrize(
    ("key", "code"),
    [(UNKNOWN_KEY, EXIT_AUTH), (KEYS["outsider"], EXIT_PERMISSION)],
    ids=["401", "403"],
)
def test_a_rejected_key_is_not_stored(
    cli: Cli,
    registry: Any,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    null_keyring: None,
    key: str,
    code: int,
) -> None:
    type_key(monkeypatch, key)
    result = cli("login", "--stdin")
    assert result.code == code
    assert "not stored" in result.err and "next:" in result.err
    assert not (home / "credentials").exists()


def test_login_while_the_registry_is_down_stores_only_with_no_verify(
    cli: Cli, registry: Any, home: Path, monkeypatch: pytest.MonkeyPatch, null_keyring: None
) -> None:
    registry.go_down()
    type_key(monkeypatch, ALICE)
    assert cli("login", "--stdin").code == EXIT_UNAVAILABLE
    assert not (home / "credentials").exists()
    type_key(monkeypatch, ALICE)
    assert cli("login", "--stdin", "--no-verify").code == EXIT_OK
    assert (home / "credentials").exists()
    who = cli("whoami")
    assert who.code == EXIT_UNAVAILABLE and "no:" in who.out
    assert cli("whoami", "--offline").code == EXIT_OK


def test_an_environment_key_wins_and_login_says_so(
    cli: Cli, registry: Any, monkeypatch: pytest.MonkeyPatch, null_keyring: None
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["bob"])
    type_key(monkeypatch, ALICE)
    result = cli("login", "--stdin")
    assert result.code == EXIT_OK
    assert "HOKUSAI_API_KEY is set in this environment" in result.err
    who = json.loads(cli("whoami", "--json").out)
    assert who["source"] == "environment variable HOKUSAI_API_KEY"


def test_login_from_a_pipe_in_a_real_process(home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path / "user-home")}
    login = subprocess.run(
        [sys.executable, "-m", "hokusai.cli.main", "login", "--stdin", "--no-verify"],
        input=ALICE + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert login.returncode == EXIT_OK, login.stderr
    assert_no_secret(login.stdout + login.stderr)
    assert stat.S_IMODE((home / "credentials").stat().st_mode) == 0o600
    logout = subprocess.run(
        [sys.executable, "-m", "hokusai.cli.main", "logout"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert logout.returncode == EXIT_OK
    assert not (home / "credentials").exists()
