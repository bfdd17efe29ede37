"""Run the SDK and raw MLflow side by side: warm worker processes, and cold one-shot ones."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.servers import REPO_ROOT

BASE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_LOGGING_LEVEL": "ERROR",
    "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
}


def side_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A worker's environment: its own HOKUSAI_HOME, no key or URI inherited from the user."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HOKUSAI_", "MLFLOW_TRACKING_"))
    }
    env.update(BASE_ENV)
    env["HOKUSAI_HOME"] = str(home)
    # Temporary files inside the work directory, which the suite removes: raw MLflow's
    # `pyfunc.load_model(models:/...)` leaves each download (a whole model) in TMPDIR.
    env["TMPDIR"] = str(home / "tmp")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env.update(extra or {})
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return env


class WorkerError(RuntimeError):
    pass


class Warm:
    """A long-lived worker process: MLflow imported, clients made, after its first job.

    Its stderr (MLflow's chatter, tracebacks) goes to ``worker-<side>.log`` in its home.
    """

    def __init__(self, side: str, env: Mapping[str, str]) -> None:
        self.side = side
        with (Path(env["HOKUSAI_HOME"]) / f"worker-{side}.log").open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.worker", side],
                cwd=REPO_ROOT,
                env=dict(env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )

    def ask(self, job: str, **args: Any) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"job": job, **args}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise WorkerError(f"the {self.side} worker died (exit {self._process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise WorkerError(f"{self.side}: {answer['error']}")
        return answer

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> Warm:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold(side: str, env: Mapping[str, str], job: str, **args: Any) -> dict[str, Any]:
    """One job in a fresh interpreter. ``wall``: the whole process, start to exit; ``cpu``: its
    CPU seconds, which a busy machine inflates far less than wall time."""
    command = [sys.executable, "-m", "benchmarks.worker", side, "--once"]
    cpu_before, started = children_cpu(), time.perf_counter()
    result = subprocess.run(
        [*command, json.dumps({"job": job, **args})],
        cwd=REPO_ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu_before
    if result.returncode != 0:
        raise WorkerError(f"{side} {job}: {result.stderr.strip().splitlines()[-3:]}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    answer.update(wall=wall, cpu=cpu)
    return answer


def command_seconds(command: list[str], env: Mapping[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a command in a fresh process (it must succeed)."""
    cpu_before, started = children_cpu(), time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, env=dict(env), capture_output=True, check=True)
    return time.perf_counter() - started, children_cpu() - cpu_before
