"""The idempotency key names a pending record's file: hostile keys must not reach the disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.errors import InvalidInputError, LocalStoreError
from hokusai.local.pending import PendingStore
from tests.conftest import KEYS
from tests.hardening.conftest import intent_record


def _fallback_registry(fake: Any) -> ModelRegistry:
    fake.go_down("refused")
    return ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])


@pytest.mark.parametrize(
    "key",
    ["../../escaped", "a/b", "a\\b", "k" * 300, "", " spaced ", ".hidden", "nul\x00byte", "é"],
)
def test_a_hostile_key_is_refused_before_any_request_or_file(
    fake: Any, sk_model: Any, isolated_env: Path, key: str
) -> None:
    reg = _fallback_registry(fake)
    with pytest.raises(InvalidInputError) as raised:
        reg.register_model(sk_model, "churn", idempotency_key=key)
    assert "idempotency_key" in str(raised.value)
    assert fake.requests == []
    assert not (isolated_env / "pending").exists()
    assert not list(isolated_env.parent.rglob("escaped*"))


def test_a_key_of_the_documented_shape_still_falls_back_and_is_pending(
    fake: Any, sk_model: Any
) -> None:
    reg = _fallback_registry(fake)
    entry = reg.register_model(sk_model, "churn", idempotency_key="churn-2024-11-27_run.3:a")
    assert entry.target == "local"
    assert reg.pending_store().get("churn-2024-11-27_run.3:a") is not None


def test_a_failed_write_leaves_no_temporary_file(isolated_env: Path) -> None:
    store = PendingStore(isolated_env / "pending")
    # Something already occupies the record's name: the final rename fails.
    (isolated_env / "pending" / "k1.json").mkdir(parents=True)
    with pytest.raises(LocalStoreError):
        store.add(intent_record("k1"))
    assert [p.name for p in (isolated_env / "pending").iterdir()] == ["k1.json"]


def test_the_store_itself_refuses_a_key_that_is_not_a_plain_file_name(isolated_env: Path) -> None:
    store = PendingStore(isolated_env / "pending")
    with pytest.raises(InvalidInputError):
        store.get("../credentials")
