"""The command line against a real ``mlflow server`` behind the authenticating proxy.

Everything here is real: DNS (a loopback literal), TCP, the proxy's health endpoint, the key on
a read and a write, artifact uploads, and an outage (the upstream MLflow stopped).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from fixtures.real_server import RealServer
from hokusai.cli.main import main
from hokusai.cli.output import EXIT_OK, EXIT_PERMISSION

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], server: RealServer, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    for spec_key in server.keys:
        assert spec_key not in captured.out + captured.err
    return code, captured.out


@pytest.fixture
def as_user(live_server: RealServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", live_server.tracking_uri)

    def present(user: str) -> None:
        monkeypatch.setenv("HOKUSAI_API_KEY", live_server.key_for(user))

    return present


def behind_the_proxy(server: RealServer, path: str, **params: str) -> dict[str, Any]:
    """Ask MLflow itself, without a key: what the registry really holds."""
    answer = requests.get(f"{server.mlflow_url}/api/2.0/mlflow/{path}", params=params, timeout=10)
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


def test_doctor_passes_against_the_real_registry(
    live_server: RealServer, as_user: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    as_user("alice")
    code, out = run(capsys, live_server, "doctor", "--json")
    report = json.loads(out)
    assert code == EXIT_OK, report
    checks = {c["name"]: c["verdict"] for c in report["checks"]}
    assert checks["dns"] == checks["tcp"] == checks["health"] == "ok"
    assert checks["registry read"] == checks["registry write"] == "ok"
    as_user("reader")
    code, out = run(capsys, live_server, "doctor", "--json")
    assert code == EXIT_PERMISSION
    assert json.loads(out)["blocker"] == "registry write"


def test_sync_round_trip_after_an_upstream_outage(
    live_server: RealServer,
    as_user: Any,
    capsys: pytest.CaptureFixture[str],
    sk_model_dir: Path,
) -> None:
    name = f"cli-sync-{uuid.uuid4().hex[:8]}"
    as_user("alice")
    live_server.kill_upstream()  # the proxy answers 502: the SDK falls back to the local store
    try:
        code, out = run(
            capsys,
            live_server,
            "register",
            str(sk_model_dir),
            "--name",
            name,
            "--alias",
            "live",
            "--json",
        )
        entry = json.loads(out)
        assert (code, entry["target"], entry["pending_sync"]) == (EXIT_OK, "local", True)
    finally:
        live_server.start()
    code, out = run(capsys, live_server, "sync", "--json")
    report = json.loads(out)
    assert code == EXIT_OK, report
    assert report["counts"]["pushed"] == 1
    code, out = run(capsys, live_server, "sync", "--json")
    assert code == EXIT_OK and json.loads(out)["items"] == []
    [version] = behind_the_proxy(live_server, "model-versions/search", filter=f"name='{name}'")[
        "model_versions"
    ]
    assert any(t["key"] == "hokusai.idempotency_key" for t in version["tags"])
    aliased = behind_the_proxy(live_server, "registered-models/alias", name=name, alias="live")
    assert aliased["model_version"]["version"] == version["version"]
