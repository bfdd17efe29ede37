"""The first use of a fresh HOKUSAI_HOME by several processes at once: each one's model lands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hardening.conftest import Spawn


def test_two_processes_create_a_fresh_local_store_together(
    sk_model_dir: Path, tmp_path: Path, spawn: Spawn, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "fresh-home"  # no database yet: both meet MLflow's schema creation
    monkeypatch.setenv("HOKUSAI_HOME", str(home))
    start = tmp_path / "start"
    children = [spawn("local-register", sk_model_dir, f"model-{i}", start) for i in (1, 2)]
    start.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, out + err[-3000:]
        results.append(json.loads(out.splitlines()[-1]))
    assert [r["target"] for r in results] == ["local", "local"]
    assert (home / "mlflow" / "mlflow.db").is_file()
