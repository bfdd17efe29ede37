"""Fixtures for tests against a real ``mlflow server`` behind the authenticating proxy.

The stack starts once per session (about 6 s) and every test that uses ``live_server`` finds it
up, even when an earlier test took it down to play an outage.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# `fixtures` is not an installed package; the checkout root must be importable.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Set before any test module imports mlflow, whose import starts a telemetry call.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

from fixtures.real_server import RealServer  # noqa: E402

KEYS_PATH = REPO_ROOT / "fixtures" / "keys.json"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything in this directory needs the real server, so `-m "not integration"` skips it all.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """The stack for the whole session: started once, stopped at the end (even on failure)."""
    server = RealServer(tmp_path_factory.mktemp("real_server"), KEYS_PATH)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def live_server(real_server: RealServer) -> RealServer:
    """The session's stack, brought back first if an earlier test killed it."""
    if not real_server.is_up():
        real_server.restart()
    return real_server
