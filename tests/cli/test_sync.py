"""``hokusai sync``: registrations made during an outage reach the registry exactly once."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.output import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_UNAVAILABLE, EXIT_USAGE
from hokusai.testing.faults import Fault
from tests.cli.conftest import Cli, Terminal, assert_no_secret
from tests.conftest import KEYS

NAMES = ("churn", "fraud", "upsell")


@pytest.fixture
def outage(cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path, local_store: Path) -> Any:
    """Three registrations made while the registry was down, then the registry back up."""
    use_fake(KEYS["alice"])
    fake.go_down()
    for name in NAMES:
        made = cli(
            "register",
            str(sk_model_dir),
            "--name",
            name,
            "--alias",
            "champion",
            "--tag",
            f"model={name}",
        )
        assert made.code == EXIT_OK and "in the local store" in made.out
    fake.come_back()
    return fake


def pending_names(cli: Cli) -> list[str]:
    return [r["name"] for r in json.loads(cli("status", "--json", "--no-probe").out)["pending"]]


def writes(fake: Any) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests if r.method not in ("GET", "HEAD")]


def test_dry_run_shows_the_plan_and_writes_nothing(cli: Cli, outage: Any, home: Path) -> None:
    before = sorted((p.name, p.read_bytes()) for p in (home / "pending").iterdir())
    result = cli("sync", "--dry-run", "--json")
    report = json.loads(result.out)
    assert result.code == EXIT_OK
    assert report["dry_run"] is True
    assert report["counts"]["would-push"] == 3 and report["counts"]["pushed"] == 0
    assert [i["name"] for i in report["items"]] == list(NAMES)
    assert writes(outage) == []
    assert sorted((p.name, p.read_bytes()) for p in (home / "pending").iterdir()) == before
    assert "Dry run: 3 would be pushed" in cli("sync", "--dry-run").out


def test_sync_pushes_everything_with_tags_and_alias(
    cli: Cli, outage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        result = cli("--debug", "sync")
    assert result.code == EXIT_OK
    assert "Pushed 3, already present 0, failed 0" in result.out
    assert "[2/3]" not in result.err  # stderr is not a terminal: no progress lines in logs
    assert_no_secret(caplog.text)
    for name in NAMES:
        [version] = outage.model_versions(name)
        assert version.tags["model"] == name
        assert outage.state.registered_models[name].aliases == {"champion": 1}
    assert pending_names(cli) == []
    assert "Nothing to sync" in cli("sync").out


def test_on_a_terminal_sync_shows_each_record_s_stage_then_erases_the_line(
    cli: Cli, outage: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    result = cli("sync")
    assert result.code == EXIT_OK
    shown = screen.getvalue()
    assert "[2/3] fraud v1: uploading" in shown
    assert "[3/3]" in shown and shown.endswith("\r\033[K")  # the line is gone at the end
    assert "Pushed 3" in result.out  # the result itself is on stdout as before


def test_an_interrupted_sync_resumes_without_duplicates(cli: Cli, outage: Any) -> None:
    # The second version creation is applied on the server, but its answer never arrives.
    outage.inject(Fault.applied_then_lost(), path=r"model-versions/create", after=1)
    first = cli("sync", "--json", "--concurrency", "1")  # one at a time: "second" is "fraud"
    report = json.loads(first.out)
    assert first.code == EXIT_PARTIAL
    assert report["counts"]["pushed"] == 2 and report["counts"]["failed"] == 1
    [failed] = [i for i in report["items"] if i["outcome"] == "failed"]
    assert failed["name"] == "fraud"
    assert failed["error"]["type"] == "RegistryUnavailableError"
    assert pending_names(cli) == ["fraud"]  # nothing lost
    assert outage.state.registered_models["fraud"].aliases == {}  # the alias never got set

    second = cli("sync", "--json")
    report = json.loads(second.out)
    assert second.code == EXIT_OK
    assert report["counts"] == {
        "pushed": 0,
        "already-present": 1,
        "would-push": 0,
        "failed": 0,
        "not-attempted": 0,
    }
    assert report["items"][0]["note"] == "alias 'champion' set"
    for name in NAMES:
        assert len(outage.model_versions(name)) == 1
        assert outage.state.registered_models[name].aliases == {"champion": 1}
    assert pending_names(cli) == []


def test_sync_while_still_down_leaves_everything_pending(cli: Cli, outage: Any) -> None:
    outage.go_down()
    result = cli("sync")
    assert result.code == EXIT_UNAVAILABLE
    assert "next:" in result.err
    assert pending_names(cli) == list(NAMES)


def test_a_key_that_cannot_write_stops_after_the_first_record(
    cli: Cli, outage: Any, use_fake: Any
) -> None:
    use_fake(KEYS["reader"])
    result = cli("sync", "--json", "--concurrency", "1")
    report = json.loads(result.out)
    assert result.code == EXIT_PARTIAL
    assert [i["outcome"] for i in report["items"]] == ["failed", "not-attempted", "not-attempted"]
    assert report["items"][0]["error"]["code"] == "FORBIDDEN"
    assert writes(outage) == ["POST /api/mlflow/api/2.0/mlflow/experiments/create"]
    assert pending_names(cli) == list(NAMES)


def test_sync_needs_a_mode_with_a_hosted_registry(
    cli: Cli, outage: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "local")
    result = cli("sync")
    assert result.code == EXIT_USAGE and "HOKUSAI_MLFLOW_MODE=auto" in result.err


def test_dry_run_while_down_still_shows_the_plan(cli: Cli, outage: Any) -> None:
    outage.go_down()
    result = cli("sync", "--dry-run")
    assert result.code == EXIT_OK
    assert "Dry run: 3 would be pushed" in result.out
    assert "the hosted registry was not consulted" in result.out


def test_a_record_made_for_another_registry_is_not_pushed_here(
    cli: Cli, outage: Any, home: Path
) -> None:
    [first, *_] = sorted(
        (home / "pending").iterdir(), key=lambda p: json.loads(p.read_text())["created_at"]
    )
    record = json.loads(first.read_text())
    record["remote_tracking_uri"] = "https://staging.example.com/api/mlflow"
    first.write_text(json.dumps(record))
    result = cli("sync", "--json")
    report = json.loads(result.out)
    assert result.code == EXIT_PARTIAL
    assert report["counts"]["pushed"] == 2 and report["counts"]["failed"] == 1
    [failed] = [i for i in report["items"] if i["outcome"] == "failed"]
    assert failed["error"]["type"] == "ConfigurationError"
    assert "staging.example.com" in failed["error"]["message"]
    assert pending_names(cli) == [record["name"]]


def test_a_dry_run_with_a_record_that_cannot_be_pushed_says_would_fail_and_exits_7(
    cli: Cli, outage: Any, home: Path
) -> None:
    [first, *_] = sorted((home / "pending").glob("*.json"))
    record = json.loads(first.read_text())
    record["remote_tracking_uri"] = "https://staging.example.com/api/mlflow"
    first.write_text(json.dumps(record))
    text = cli("sync", "--dry-run")
    assert text.code == EXIT_PARTIAL
    assert "would fail" in text.out and " failed" not in text.out
    assert "1 would fail; nothing was changed" in text.out
    report = json.loads(cli("sync", "--dry-run", "--json").out)
    outcomes = sorted(i["outcome"] for i in report["items"])
    assert outcomes == ["would-fail", "would-push", "would-push"]
    assert writes(outage) == []


def test_only_one_sync_runs_at_a_time(cli: Cli, outage: Any, home: Path) -> None:
    import fcntl

    with open(home / "pending" / ".sync.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = cli("sync")
    assert busy.code == EXIT_ERROR and "Another `hokusai sync` is running" in busy.err
    assert writes(outage) == []
    assert cli("sync").code == EXIT_OK
