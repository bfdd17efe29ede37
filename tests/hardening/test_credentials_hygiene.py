"""The key file: never written through a link, removed for real, in a private home; a key
pasted into the wrong setting is never echoed back."""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.cli.main import main
from hokusai.errors import ConfigurationError
from tests.conftest import KEYS

ALICE = KEYS["alice"]
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links and modes")


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(autouse=True)
def file_store() -> Iterator[None]:
    # The credentials file, not a keyring, is what these tests are about.
    import keyring
    from keyring.backends import null

    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(previous)


@posix_only
def test_login_does_not_write_the_key_through_a_link_at_the_credentials_path(
    isolated_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "attacker-readable.txt"
    elsewhere.write_text("")
    (isolated_env / "credentials").symlink_to(elsewhere)
    code, text = run(capsys, monkeypatch, "login", "--stdin", "--no-verify", stdin=ALICE + "\n")
    assert ALICE not in elsewhere.read_text()
    assert code != 0
    assert "link" in text
    assert ALICE not in text


@posix_only
def test_logout_leaves_no_copy_of_the_key_on_disk(
    isolated_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _ = run(capsys, monkeypatch, "login", "--stdin", "--no-verify", stdin=ALICE + "\n")
    assert code == 0
    # A second name for the same file (a backup tool, another user's link): same bytes.
    os.link(isolated_env / "credentials", tmp_path / "second-name")
    code, text = run(capsys, monkeypatch, "logout")
    assert code == 0 and "Logged out" in text
    assert not (isolated_env / "credentials").exists()
    assert ALICE not in (tmp_path / "second-name").read_text()


@posix_only
def test_a_new_home_and_its_credentials_are_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("HOKUSAI_HOME", str(home))
    code, _ = run(capsys, monkeypatch, "login", "--stdin", "--no-verify", stdin=ALICE + "\n")
    assert code == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "credentials").stat().st_mode) == 0o600


@posix_only
def test_a_home_made_by_a_fallback_is_private(
    fake: Any, sk_model: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "fresh"
    fake.go_down("refused")
    ModelRegistry(fake.tracking_uri, api_key=ALICE, home=home).register_model(sk_model, "churn")
    for path in (home, home / "pending", home / "mlflow"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_a_key_pasted_into_another_setting_is_not_echoed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", ALICE)
    with pytest.raises(ConfigurationError) as raised:
        ModelRegistry()
    assert ALICE not in str(raised.value) and ALICE not in raised.value.message
    assert ALICE[-4:] in str(raised.value)  # still recognisable: hk_live_…<last four>
    code, text = run(capsys, monkeypatch, "status", "--no-probe")
    assert code == 2
    assert ALICE not in text and ALICE[8:24] not in text
