"""A key (or password, or token) written into a URI is never echoed back: every command shows
the URI masked, and ``doctor`` says the key does not belong there.

The key in the URI is the suite's canary key: the key canary (tests/plugins/key_canary.py)
fails a test that shows it anywhere, and the ``cli`` fixture checks every command's output too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.output import EXIT_NOT_REMOTE, EXIT_OK, EXIT_USAGE
from tests.cli.conftest import Cli, assert_no_secret, type_key
from tests.conftest import KEYS
from tests.hardening.loopback import http_server

ALICE = KEYS["alice"]
# A database password in the local store's URI: not a Hokusai key, so checked by hand.
DB_PASSWORD = "db-password-8f3a2c91e7"


@pytest.fixture
def key_in_uri(fake: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The mistake the docs warn about: the key in the tracking URI (and in HOKUSAI_API_KEY).
    Returns the URI as every command should show it."""
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", f"{fake.tracking_uri}?api_key={ALICE}")
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    return f"{fake.tracking_uri}?api_key=***"


def test_status_shows_the_tracking_uri_masked(cli: Cli, key_in_uri: str) -> None:
    result = cli("status")
    assert result.code == EXIT_OK
    assert f"remote tracking URI  {key_in_uri}\n" in result.out


def test_status_json_shows_the_tracking_uri_masked(cli: Cli, key_in_uri: str) -> None:
    result = cli("--json", "status", "--no-probe")
    assert json.loads(result.out)["registry"]["remote_uri"] == key_in_uri


def test_doctor_fails_a_key_in_the_uri_and_says_where_the_key_belongs(
    cli: Cli, key_in_uri: str
) -> None:
    result = cli("doctor")
    assert result.code == EXIT_USAGE
    (line,) = [li for li in result.out.splitlines() if li.startswith("secret in remote tracking")]
    assert "FAIL" in line and "parameter 'api_key'" in line
    assert "environment variable HOKUSAI_TRACKING_URI" in line
    assert f"remote tracking URI        {key_in_uri}  [" in result.out
    next_step = result.out.splitlines()[-1]
    assert next_step.startswith("next: ")
    assert "HOKUSAI_API_KEY" in next_step and "`hokusai login`" in next_step


def test_doctor_json_reports_the_key_in_the_uri_as_the_blocker(cli: Cli, key_in_uri: str) -> None:
    report = json.loads(cli("--json", "doctor").out)
    assert report["exit_code"] == EXIT_USAGE
    assert report["blocker"] == "secret in remote tracking URI"
    (conflict,) = [c for c in report["conflicts"] if c["name"] == report["blocker"]]
    assert conflict["verdict"] == "fail" and conflict["error"]["type"] == "ConfigurationError"
    assert "HOKUSAI_API_KEY" in report["next_step"]
    settings = {s["name"]: s["value"] for s in report["settings"]}
    assert report["remote_uri"] == settings["remote tracking URI"] == key_in_uri
    assert all(key_in_uri in c["detail"] for c in report["checks"] if c["name"] == "configuration")


def test_doctor_warns_of_a_key_in_the_uri_when_the_mode_keeps_models_local(
    cli: Cli, key_in_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "local")
    report = json.loads(cli("--json", "doctor").out)
    assert report["exit_code"] == EXIT_NOT_REMOTE
    (conflict,) = [c for c in report["conflicts"] if c["name"] == "secret in remote tracking URI"]
    assert conflict["verdict"] == "warn" and "HOKUSAI_API_KEY" in conflict["next_step"]


def test_doctor_masks_a_password_in_the_uri_in_every_line(
    cli: Cli, fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mode local: resolving the configuration does not refuse user:password@ (nothing is sent
    # with a key), and doctor still checks the registry's health.
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "local")
    uri = fake.tracking_uri.replace("https://", f"https://me:{DB_PASSWORD}@")
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", uri)
    result = cli("doctor")
    assert DB_PASSWORD not in result.text
    assert result.out.count("https://me:***@") >= 3  # the setting, configuration, health
    (line,) = [li for li in result.out.splitlines() if li.startswith("secret in remote tracking")]
    assert "warn" in line and "the credentials before '@'" in line


@pytest.mark.parametrize("tracking_uri_set", [True, False], ids=["with tracking URI", "alone"])
def test_doctor_names_the_setting_that_holds_the_secret_once(
    cli: Cli, fake: Any, monkeypatch: pytest.MonkeyPatch, tracking_uri_set: bool
) -> None:
    endpoint = fake.tracking_uri.removesuffix("/mlflow")
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", f"{endpoint}?token=t0k3n-f00")
    if tracking_uri_set:
        monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    result = cli("--json", "doctor")
    found = [c for c in json.loads(result.out)["conflicts"] if c["name"].startswith("secret in")]
    (only,) = found
    assert only["name"] == (
        "secret in API endpoint" if tracking_uri_set else "secret in remote tracking URI"
    )
    assert "environment variable HOKUSAI_API_ENDPOINT" in only["detail"]
    assert "t0k3n-f00" not in result.text


def test_doctor_passes_a_uri_with_harmless_query_parameters(
    cli: Cli, fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", f"{fake.tracking_uri}?region=eu")
    monkeypatch.setenv("HOKUSAI_API_KEY", ALICE)
    report = json.loads(cli("--json", "doctor").out)
    assert not [c for c in report["conflicts"] if c["name"].startswith("secret in")]


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "checked"])
def test_whoami_shows_the_registry_masked(cli: Cli, key_in_uri: str, offline: bool) -> None:
    flags = ("--offline",) if offline else ()
    text = cli("whoami", *flags)
    assert f"registry  {key_in_uri}\n" in text.out
    as_json = json.loads(cli("--json", "whoami", *flags).out)
    assert as_json["registry"] == key_in_uri


def test_login_reports_the_registry_masked(
    cli: Cli, key_in_uri: str, null_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    type_key(monkeypatch, ALICE)
    result = cli("--json", "login", "--no-verify", "--stdin")
    assert json.loads(result.out)["registry"] == key_in_uri


@pytest.fixture
def password_in_local_uri(home: Path, local_store: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A local store URI carrying a password, as a database URI does."""
    monkeypatch.setenv(
        "HOKUSAI_LOCAL_TRACKING_URI", f"sqlite:///{local_store}?password={DB_PASSWORD}"
    )
    return f"sqlite:///{local_store}?password=***"


@pytest.mark.filterwarnings("ignore:Query string argument:Warning")
def test_models_list_shows_the_store_uri_masked(cli: Cli, password_in_local_uri: str) -> None:
    text = cli("models", "list", "--local")
    assert text.code == EXIT_OK and f"No registered models in {password_in_local_uri}." in text.out
    as_json = cli("--json", "models", "versions", "churn", "--local")
    assert json.loads(as_json.out)["registry"] == password_in_local_uri
    assert DB_PASSWORD not in text.text + as_json.text


def test_status_shows_the_local_store_uri_masked(cli: Cli, password_in_local_uri: str) -> None:
    result = cli("--json", "status", "--no-probe")
    assert json.loads(result.out)["registry"]["local_uri"] == password_in_local_uri
    assert DB_PASSWORD not in result.text


@pytest.fixture
def pending_with_key_in_uri(cli: Cli, fake: Any, key_in_uri: str, sk_model_dir: Path) -> str:
    """A registration made during an outage while the key was in the URI: it is pending."""
    fake.go_down()
    made = cli("register", str(sk_model_dir), "--name", "churn")
    assert made.code == EXIT_OK and "in the local store" in made.out
    fake.come_back()
    return key_in_uri


def test_pending_records_show_the_uri_masked(cli: Cli, pending_with_key_in_uri: str) -> None:
    (record,) = json.loads(cli("--json", "status", "--no-probe").out)["pending"]
    assert record["remote_tracking_uri"] == pending_with_key_in_uri


def test_sync_reports_the_registry_masked(cli: Cli, pending_with_key_in_uri: str) -> None:
    text = cli("sync", "--dry-run")
    assert f"already on {pending_with_key_in_uri}, " in text.out
    as_json = json.loads(cli("--json", "sync", "--dry-run").out)
    assert as_json["remote_uri"] == pending_with_key_in_uri
    assert [i["outcome"] for i in as_json["items"]] == ["would-push"]


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: this server's own log line would quote the request, key and all."""


@pytest.fixture
def loopback_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that answers 404: real requests, so urllib3 logs them."""
    with http_server(_NotFound) as url:
        yield f"{url}/api/mlflow"


def test_debug_output_masks_a_key_in_the_uri(
    loopback_server: str, home: Path, tmp_path: Path
) -> None:
    """``--debug`` prints urllib3's request lines (query strings included) and a traceback."""
    env = {
        **os.environ,
        "HOME": str(tmp_path / "user-home"),
        "HOKUSAI_TRACKING_URI": f"{loopback_server}?api_key={ALICE}",
        "HOKUSAI_API_KEY": ALICE,
    }
    run = subprocess.run(
        [sys.executable, "-m", "hokusai.cli.main", "--debug", "models", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode != EXIT_OK
    assert_no_secret(run.stdout + run.stderr)
    assert "DEBUG urllib3.connectionpool" in run.stderr and '"GET /api/mlflow?api_key=***' in (
        run.stderr
    )
    assert "Traceback (most recent call last)" in run.stderr
