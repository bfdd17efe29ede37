"""`hokusai quickstart`, the README's main job, as a new user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.main import main
from tests.conftest import KEYS


def test_with_no_key_it_registers_in_the_local_store(isolated_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hokusai.cli.main", "quickstart"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOKUSAI_HOME": str(isolated_env)},
    )
    assert result.returncode == 0, result.stderr
    assert "Registered quickstart-iris version 1 in the local store." in result.stdout
    assert f"sqlite:///{isolated_env}" in result.stdout
    assert "No Hokusai API key is set" in result.stderr
    artifacts = list((isolated_env / "mlflow" / "artifacts").rglob("MLmodel"))
    assert len(artifacts) == 1


def test_with_a_key_it_registers_on_the_hosted_registry(
    fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    assert main(["quickstart", "--json"]) == 0
    out, err = capsys.readouterr()
    entry = json.loads(out)
    assert (entry["target"], entry["name"], entry["version"]) == ("remote", "quickstart-iris", "1")
    assert len(fake.model_versions("quickstart-iris")) == 1
    assert KEYS["alice"] not in out + err


def test_a_refused_key_is_one_clear_line_and_a_non_zero_exit(
    fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["outsider"])
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    code = main(["quickstart"])
    out, err = capsys.readouterr()
    assert code == 4
    assert "REGISTRY_ADMIN_REQUIRED" in err and "next:" in err
    assert "Traceback" not in err
    assert KEYS["outsider"] not in out + err


def test_json_output_stays_json_on_failure(
    fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["outsider"])
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)
    assert main(["quickstart", "--json"]) == 4
    out, _ = capsys.readouterr()
    error = json.loads(out)["error"]
    assert (error["type"], error["code"], error["status"]) == (
        "PermissionDeniedError",
        "REGISTRY_ADMIN_REQUIRED",
        403,
    )


@pytest.mark.parametrize(
    ("module", "distribution"), [("sklearn", "scikit-learn"), ("skops", "skops")]
)
def test_a_missing_quickstart_dependency_names_the_install_line(
    module: str,
    distribution: str,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what `import` sees when it is not installed
    assert main(["quickstart"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # errors go to stderr, as docs/cli.md says
    assert f"quickstart needs {distribution}" in err
    assert "next: pip install 'hokusai-ml-platform[quickstart]'" in err
    assert not (isolated_env / "mlflow" / "artifacts").exists()
