"""Processes sharing one HOKUSAI_HOME: some register during an outage (their probe is refused,
so they fall back to the local store) while others run `hokusai sync` against the real
server. After a last sync every registration is on the server exactly once."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import pytest

from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from hokusai.models import TAG_IDEMPOTENCY_KEY
from tests.hardening.conftest import Spawn, spawn  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WRITERS, EACH, SYNCERS, SYNCS = 3, 2, 2, 3


def test_registrations_and_syncs_from_many_processes_each_land_once(
    live_server: RealServer,
    sk_model_dir: Path,
    isolated_env: Path,
    tmp_path: Path,
    spawn: Spawn,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOKUSAI_API_KEY", live_server.key_for("alice"))
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", live_server.tracking_uri)
    name, start = f"shared-{uuid.uuid4().hex[:8]}", tmp_path / "start"
    writers = [spawn("register-offline", sk_model_dir, name, EACH, start) for _ in range(WRITERS)]
    syncers = [spawn("sync-repeatedly", SYNCS, start) for _ in range(SYNCERS)]
    start.touch()
    outputs = [proc.communicate(timeout=900) for proc in writers + syncers]
    for proc, (out, err) in zip(writers + syncers, outputs, strict=True):
        assert proc.returncode == 0, out + err[-3000:]
    keys = [k for out, _ in outputs[:WRITERS] for k in json.loads(out.splitlines()[-1])["keys"]]
    assert len(set(keys)) == WRITERS * EACH

    registry = ModelRegistry()
    last = registry.sync()

    assert last.counts.get("failed", 0) == 0, last
    store = registry.pending_store()
    assert (store.pending(), store.damaged()) == ([], [])
    assert sorted(r.idempotency_key for r in store.all()) == sorted(keys)
    assert {r.status for r in store.all()} == {"pushed"}
    assert list((isolated_env / "pending").glob("*.tmp")) == []
    versions = registry.client.search_model_versions(f"name = '{name}'")
    assert Counter(v.tags.get(TAG_IDEMPOTENCY_KEY) for v in versions) == dict.fromkeys(keys, 1)
