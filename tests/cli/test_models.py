"""``hokusai models list`` / ``models versions``: the hosted registry, or the local store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.output import EXIT_AUTH, EXIT_OK, EXIT_UNAVAILABLE
from tests.cli.conftest import Cli
from tests.conftest import KEYS


def register(cli: Cli, model_dir: Path, name: str, *extra: str) -> None:
    result = cli("register", str(model_dir), "--name", name, *extra)
    assert result.code == EXIT_OK, result.err


def test_list_and_versions_on_the_hosted_registry(
    cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path
) -> None:
    use_fake(KEYS["alice"])
    register(cli, sk_model_dir, "churn")
    register(cli, sk_model_dir, "churn", "--alias", "champion")
    register(cli, sk_model_dir, "fraud")

    listed = json.loads(cli("models", "list", "--json").out)
    assert listed["registry"] == fake.tracking_uri
    assert [(m["name"], m["versions"], m["latest_version"]) for m in listed["models"]] == [
        ("churn", 2, "2"),
        ("fraud", 1, "1"),
    ]
    assert listed["models"][0]["aliases"] == ["champion=v2"]
    text = cli("models", "list").out
    assert "churn" in text and "2 version(s), latest 2, aliases champion=v2" in text

    versions = json.loads(cli("--json", "models", "versions", "churn").out)
    assert [v["version"] for v in versions["versions"]] == ["1", "2"]
    assert versions["versions"][1]["aliases"] == ["champion"]
    assert "No versions of nothing-here" in cli("models", "versions", "nothing-here").out


def test_list_local_reads_the_local_store_only(
    cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake(None)  # no key: registrations go to the local store
    register(cli, sk_model_dir, "offline-model")
    local = json.loads(cli("models", "list", "--local", "--json").out)
    assert [m["name"] for m in local["models"]] == ["offline-model"]
    assert local["registry"].startswith("sqlite:///")
    # Without --local the hosted registry is asked, and without a key that is an error.
    remote = cli("models", "list")
    assert remote.code == EXIT_AUTH and "hokusai login" in remote.err


def test_an_unreachable_registry_is_an_error_not_the_local_store(
    cli: Cli, fake: Any, use_fake: Any
) -> None:
    use_fake(KEYS["alice"])
    fake.go_down()
    result = cli("models", "list")
    assert result.code == EXIT_UNAVAILABLE
    assert "Traceback" not in result.err and "next:" in result.err
    assert "sync" not in result.err  # nothing falls back or waits to be pushed here
