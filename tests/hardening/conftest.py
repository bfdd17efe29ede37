"""Helpers to run the SDK in real child processes that share this test's HOKUSAI_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hokusai.local.pending import PendingRegistration

REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT_LIMIT = 120.0

Spawn = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start ``tests.hardening._child ROLE ARGS...`` with this test's environment."""
    started: list[subprocess.Popen[str]] = []

    def run(role: str, *args: object) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hardening._child", role, *map(str, args)],
            cwd=REPO_ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield run
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    """Until the child signals through ``path``; fails with its output if it died first."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the child exited {proc.returncode} early:\n{out}\n{err[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"the child never signalled {path.name}")
        time.sleep(0.02)


def intent_record(key: str) -> PendingRegistration:
    """A record as a fallback writes it before its local registration."""
    return PendingRegistration(
        idempotency_key=key,
        name="churn",
        local_version="",
        local_tracking_uri="sqlite:///x",
        remote_tracking_uri="https://registry.hokus.ai/api/mlflow",
        reason="connection",
    )
