"""Stored keys: one keyring entry per HOKUSAI_HOME and profile, masked output, readable failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.output import EXIT_OK, EXIT_USAGE
from hokusai.config.credential_store import DEFAULT_HOME, keyring_entry
from hokusai.config.credentials import ApiKey
from hokusai.errors import mask_keys
from tests.cli.conftest import Cli, assert_no_secret, type_key
from tests.conftest import KEYS

ALICE, BOB = KEYS["alice"], KEYS["bob"]


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("hk_live_abcdef", "hk_live_…"),  # 6 secret characters: none of them shown
        ("hk_live_abcdefghijk", "hk_live_…"),  # 11
        ("hk_live_abcdefghijkl", "hk_live_…ijkl"),  # 12: the last four
        ("sk-12345", "…"),  # no known prefix, short
        ("not-a-hokusai-key-1234", "…1234"),
    ],
)
def test_a_short_or_unusual_key_shows_at_most_its_last_four(key: str, shown: str) -> None:
    assert ApiKey(key).masked == shown
    assert mask_keys(f"the proxy said: bad key {key}.") in (
        f"the proxy said: bad key {shown}.",
        f"the proxy said: bad key {key}.",  # no hk_ prefix: not recognisable in free text
    )
    if key.startswith("hk_"):
        assert mask_keys(f"bad key {key}.") == f"bad key {shown}."


def test_a_throwaway_home_never_reads_or_deletes_the_real_key(
    cli: Cli, home: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = keyring_entry(Path(DEFAULT_HOME).expanduser())
    assert real == ("hokusai", "api_key")  # the entry earlier releases used for the real home
    memory_keyring.secrets[real] = BOB
    who = json.loads(cli("whoami", "--offline", "--json").out)
    assert who["key"] is None  # the real home's key is not this home's key
    type_key(monkeypatch, ALICE)
    assert cli("login", "--no-verify").code == EXIT_OK
    assert json.loads(cli("whoami", "--offline", "--json").out)["key"] == ApiKey(ALICE).masked
    assert cli("logout").code == EXIT_OK
    assert memory_keyring.secrets == {real: BOB}  # only this home's entry went


def test_profiles_keep_several_keys_apart_and_logout_removes_one(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    type_key(monkeypatch, ALICE)
    assert cli("login", "--no-verify", "--no-keyring").code == EXIT_OK
    type_key(monkeypatch, BOB)
    staged = cli("login", "--profile", "staging", "--no-verify", "--no-keyring", "--json")
    assert json.loads(staged.out)["profile"] == "staging"
    default = json.loads(cli("--json", "whoami", "--offline").out)
    assert default["key"] == ApiKey(ALICE).masked and default["profile"] == "default"
    staging = json.loads(cli("whoami", "--offline", "--json", "--profile", "staging").out)
    assert staging["key"] == ApiKey(BOB).masked and staging["profile"] == "staging"
    monkeypatch.setenv("HOKUSAI_PROFILE", "staging")
    assert json.loads(cli("whoami", "--offline", "--json").out)["key"] == ApiKey(BOB).masked
    out = json.loads(cli("logout", "--json").out)
    assert out["profile"] == "staging" and out["removed_from"]
    monkeypatch.delenv("HOKUSAI_PROFILE")
    assert json.loads(cli("whoami", "--offline", "--json").out)["key"] == ApiKey(ALICE).masked
    text = (home / "credentials").read_text()
    assert "[staging]" not in text and ALICE in text and BOB not in text


def test_a_bad_profile_name_is_a_configuration_error(cli: Cli) -> None:
    result = cli("whoami", "--offline", "--profile", "../etc")
    assert result.code == EXIT_USAGE
    assert "is not a profile name" in result.err and "Traceback" not in result.err


def test_a_credentials_file_without_a_section_header_is_one_line_and_a_next_step(
    cli: Cli, home: Path
) -> None:
    (home / "credentials").write_text(f"api_key = {ALICE}\n")
    result = cli("whoami", "--offline")
    assert result.code == EXIT_USAGE
    assert "Traceback" not in result.err
    assert "cannot be read" in result.err and "[default]" in result.err
    assert result.err.count("\n") == 2  # the message and its next step


def test_login_without_a_terminal_or_input_says_how_to_pipe_the_key(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    type_key(monkeypatch, "")
    result = cli("login")
    assert result.code == EXIT_USAGE
    assert "no terminal" in result.err and "| hokusai login" in result.err
    assert "Traceback" not in result.err


def _login_process(
    home: Path, tmp_path: Path, given: str | None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOKUSAI_HOME": str(home),
        "HOME": str(tmp_path / "user-home"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    return subprocess.run(
        [sys.executable, "-m", "hokusai", "login", "--no-verify"],
        input=given,
        stdin=subprocess.DEVNULL if given is None else None,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_piped_key_logs_in_without_a_getpass_warning(home: Path, tmp_path: Path) -> None:
    piped = _login_process(home, tmp_path, ALICE + "\n")
    assert piped.returncode == EXIT_OK, piped.stderr
    assert "GetPassWarning" not in piped.stderr and "echoed" not in piped.stderr
    assert_no_secret(piped.stdout + piped.stderr)
    assert ALICE in (home / "credentials").read_text()
    closed = _login_process(home, tmp_path, None)
    assert closed.returncode == EXIT_USAGE
    assert "Traceback" not in closed.stderr and "no terminal" in closed.stderr


def test_logout_removes_an_unreadable_credentials_file(cli: Cli, home: Path) -> None:
    (home / "credentials").write_text(f"api_key = {ALICE}\n")
    result = cli("logout")
    assert result.code == EXIT_OK
    assert not (home / "credentials").exists()
    assert json.loads(cli("whoami", "--offline", "--json").out)["key"] is None
