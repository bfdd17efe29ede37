"""``hokusai register`` and ``hokusai status``: where the model went, and what still waits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.output import EXIT_OK, EXIT_PERMISSION, EXIT_USAGE
from tests.cli.conftest import Cli
from tests.conftest import KEYS


def test_register_on_the_remote_with_tags_alias_and_description(
    cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path
) -> None:
    use_fake(KEYS["alice"])
    result = cli(
        "register",
        str(sk_model_dir),
        "--name",
        "churn",
        "--tag",
        "team=growth",
        "--tag",
        "stage=beta=2",
        "--alias",
        "champion",
        "--description",
        "first cut",
        "--json",
    )
    assert result.code == EXIT_OK
    entry = json.loads(result.out)  # stdout is JSON only, MLflow's run links included
    assert (entry["target"], entry["name"], entry["version"]) == ("remote", "churn", "1")
    assert entry["tracking_uri"] == fake.tracking_uri
    assert entry["aliases"] == ["champion"]
    [stored] = fake.model_versions("churn")
    assert stored.tags["team"] == "growth" and stored.tags["stage"] == "beta=2"
    assert stored.description == "first cut"
    assert fake.state.registered_models["churn"].aliases == {"champion": 1}

    table = cli("register", str(sk_model_dir), "--name", "churn")
    assert table.code == EXIT_OK
    assert "Registered churn version 2 on the hosted registry." in table.out
    assert "target" in table.out and "remote" in table.out


def test_register_without_a_key_goes_to_the_local_store(
    cli: Cli,
    fake: Any,
    use_fake: Any,
    sk_model_dir: Path,
    local_store: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    use_fake(None)
    result = cli("register", str(sk_model_dir), "--name", "churn", "--json")
    entry = json.loads(result.out)
    assert result.code == EXIT_OK
    assert entry["target"] == "local" and entry["tracking_uri"] == f"sqlite:///{local_store}"
    assert fake.requests == []
    assert "No Hokusai API key" in caplog.text


def test_a_read_only_key_cannot_register(cli: Cli, use_fake: Any, sk_model_dir: Path) -> None:
    use_fake(KEYS["reader"])
    result = cli("register", str(sk_model_dir), "--name", "churn")
    assert result.code == EXIT_PERMISSION
    assert "model:write" in result.err and "next:" in result.err


def test_bad_input_is_refused_before_anything_is_sent(
    cli: Cli, fake: Any, use_fake: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_fake(KEYS["alice"])
    result = cli("register", str(tmp_path / "missing"), "--name", "churn")
    assert result.code == EXIT_USAGE and "neither a model URI" in result.err
    with pytest.raises(SystemExit) as exited:
        cli("register", str(tmp_path), "--name", "churn", "--tag", "no-equals-sign")
    assert exited.value.code == EXIT_USAGE
    assert "KEY=VALUE" in capsys.readouterr().err
    assert fake.requests == []


def test_status_lists_registrations_made_during_an_outage(
    cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path, local_store: Path
) -> None:
    use_fake(KEYS["alice"])
    fake.go_down()
    made = cli("register", str(sk_model_dir), "--name", "churn", "--alias", "champion")
    assert made.code == EXIT_OK
    assert "in the local store" in made.out and "hokusai sync" in made.out

    status = cli("status", "--json")
    report = json.loads(status.out)
    assert status.code == EXIT_OK
    assert report["registry"]["pending_registrations"] == 1
    assert report["registry"]["last_probe"]["verdict"] == "unreachable"
    [pending] = report["pending"]
    assert (pending["name"], pending["local_version"], pending["alias"]) == (
        "churn",
        "1",
        "champion",
    )
    assert pending["status"] == "pending" and pending["reason"] == "connection"

    text = cli("status", "--no-probe")
    assert "churn v1" in text.out and "hokusai sync" in text.out
    assert "hk_live_…oaqK" in text.out
