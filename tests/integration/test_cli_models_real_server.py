"""``hokusai models`` against a real ``mlflow server`` behind the authenticating proxy."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from fixtures.real_server import RealServer
from hokusai.cli.main import main
from hokusai.cli.output import EXIT_OK

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_models_list_and_versions_read_the_real_registry_with_aliases(
    live_server: RealServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sk_model_dir: Path,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", live_server.tracking_uri)
    monkeypatch.setenv("HOKUSAI_API_KEY", live_server.key_for("alice"))
    name = f"cli-models-{uuid.uuid4().hex[:8]}"
    for extra in ((), ("--alias", "champion")):
        code, _ = run(capsys, "register", str(sk_model_dir), "--name", name, *extra)
        assert code == EXIT_OK
    code, out = run(capsys, "models", "list", "--json")
    assert code == EXIT_OK
    [model] = [m for m in json.loads(out)["models"] if m["name"] == name]
    assert (model["versions"], model["latest_version"], model["aliases"]) == (
        2,
        "2",
        ["champion=v2"],
    )
    code, out = run(capsys, "--json", "models", "versions", name)
    versions = json.loads(out)["versions"]
    assert [(v["version"], v["aliases"]) for v in versions] == [("1", []), ("2", ["champion"])]
    assert all(v["source"] for v in versions)
