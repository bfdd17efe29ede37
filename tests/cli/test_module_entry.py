"""``python -m hokusai`` is the same command line as the ``hokusai`` script."""

from __future__ import annotations

import os
import subprocess
import sys


def test_python_dash_m_hokusai_runs_the_command_line(tmp_path: object) -> None:
    env = {**os.environ, "HOKUSAI_HOME": str(tmp_path), "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("HOKUSAI_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "hokusai", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hokusai ")

    usage = subprocess.run(
        [sys.executable, "-m", "hokusai", "no-such-command"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert usage.returncode == 2
    assert "invalid choice" in usage.stderr
