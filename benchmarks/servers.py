"""The real server stack for the suite, its request log, and a fast way to fill its store."""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from fixtures.real_server import RealServer, RequestRecord  # noqa: E402

KEYS_PATH = REPO_ROOT / "fixtures" / "keys.json"


@contextmanager
def real_server(workdir: Path) -> Iterator[RealServer]:
    """``mlflow server`` behind the bearer-key proxy on 127.0.0.1, stopped on the way out."""
    server = RealServer(workdir, KEYS_PATH, startup_timeout=180)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class RequestWindow:
    """The proxy's log records made between ``mark()`` and ``since()``."""

    def __init__(self, server: RealServer) -> None:
        self._server = server
        self._start = 0

    def mark(self) -> None:
        self._start = len(self._server.requests())

    def since(self) -> list[RequestRecord]:
        # The proxy writes a record before the response body goes out, so a finished client
        # call's records are all there.
        return self._server.requests()[self._start :]


def seed_versions(
    database: Path, name: str, count: int, tags_of: dict[int, dict[str, str]] | None = None
) -> None:
    """Add ``count`` READY versions of ``name`` straight into the server's sqlite store.

    Registering 20,000 versions through the API would take hours here; the rows are what the
    server's own code writes for a registered version. Each version gets a ``model_id`` tag;
    ``tags_of[n]`` adds tags to version ``n``.
    """
    now = int(time.time() * 1000)
    with sqlite3.connect(database, timeout=60) as db:
        start = db.execute(
            "SELECT COALESCE(MAX(version), 0) FROM model_versions WHERE name = ?", (name,)
        ).fetchone()[0]
        if start == 0:
            db.execute(
                "INSERT OR IGNORE INTO registered_models (name, creation_time, last_updated_time,"
                " description) VALUES (?, ?, ?, '')",
                (name, now, now),
            )
        versions = range(start + 1, start + count + 1)
        db.executemany(
            "INSERT INTO model_versions (name, version, creation_time, last_updated_time,"
            " description, user_id, current_stage, source, run_id, status, status_message,"
            " run_link, storage_location) VALUES (?, ?, ?, ?, '', '', 'None', ?, '', 'READY',"
            " '', '', ?)",
            [
                (name, v, now + v, now + v, f"file:///seed/{v}", f"file:///seed/{v}")
                for v in versions
            ],
        )
        rows = []
        for v in versions:
            tags = {"model_id": f"{name}-{v}", **(tags_of or {}).get(v, {})}
            rows.extend((key, value, name, v) for key, value in tags.items())
        db.executemany(
            "INSERT INTO model_version_tags (key, value, name, version) VALUES (?, ?, ?, ?)", rows
        )


def lineage_tags(name: str, depth: int) -> dict[int, dict[str, str]]:
    """Tags for versions 1..depth+1 of ``name``: each improves on the one before."""
    tags: dict[int, dict[str, str]] = {1: {"is_baseline": "true", "model_type": name}}
    for v in range(2, depth + 2):
        tags[v] = {
            "is_baseline": "false",
            "model_type": name,
            "baseline_id": f"{name}-{v - 1}",
            "delta_metrics": json.dumps({"accuracy_improvement": 0.01}),
        }
    return tags
