"""Processes sharing one HOKUSAI_HOME: a sync never takes a registration another one is making."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.errors import LocalStoreError
from tests.conftest import KEYS
from tests.hardening.conftest import Spawn, intent_record, wait_for


def test_sync_leaves_a_registration_another_process_is_still_making(
    fake: Any, sk_model_dir: Path, tmp_path: Path, spawn: Spawn
) -> None:
    ready, go = tmp_path / "ready", tmp_path / "go"
    writer = spawn("slow-fallback", sk_model_dir, "in-flight", ready, go)
    wait_for(ready, writer)  # its record is written; its local registration is under way

    reg = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    first = reg.sync()
    [item] = first.items
    assert item.outcome == "not-attempted"
    assert "another process" in (item.note or "")
    assert reg.pending_store().get("in-flight") is not None

    go.touch()
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, out + err[-3000:]
    assert json.loads(out.splitlines()[-1])["target"] == "local"

    second = reg.sync()
    assert second.counts["pushed"] == 1
    assert len(fake.model_versions("churn")) == 1


def test_a_second_sync_is_refused_even_without_fcntl(
    fake: Any,
    sk_model: Any,
    tmp_path: Path,
    isolated_env: Path,
    spawn: Spawn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake.go_down("refused")
    reg = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    reg.register_model(sk_model, "churn")
    fake.come_back()
    ready, go = tmp_path / "ready", tmp_path / "go"
    holder = spawn("hold-sync-lock", isolated_env, ready, go)
    wait_for(ready, holder)
    # As on Windows: no fcntl module at all.
    monkeypatch.setitem(sys.modules, "fcntl", None)
    try:
        with pytest.raises(LocalStoreError, match="Another `hokusai sync` is running"):
            reg.sync()
        assert fake.model_versions("churn") == []
    finally:
        go.touch()
        holder.communicate(timeout=60)
    assert reg.sync().counts["pushed"] == 1


def test_a_second_writer_with_the_same_key_cannot_take_or_remove_a_claimed_record(
    isolated_env: Path,
) -> None:
    from hokusai.local.pending import PendingStore

    record = intent_record("shared")
    first, second = PendingStore(isolated_env / "pending"), PendingStore(isolated_env / "pending")
    first.add(record, claim=True)
    try:
        with pytest.raises(LocalStoreError, match="Another process is registering"):
            second.add(record, claim=True)
        second.discard_unregistered("shared")  # what its failure path then does
        assert first.get("shared") == record
    finally:
        first.release("shared")
