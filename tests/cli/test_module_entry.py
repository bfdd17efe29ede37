"""``python -m hokusai`` is the same command line as the ``hokusai`` script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_module(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOKUSAI_HOME": str(home), "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("HOKUSAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "hokusai", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_python_dash_m_hokusai_runs_the_command_line(tmp_path: Path) -> None:
    done = run_module(tmp_path, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hokusai ")

    usage = run_module(tmp_path, "no-such-command")
    assert usage.returncode == 2
    assert "invalid choice" in usage.stderr
