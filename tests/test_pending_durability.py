"""A fallback registration is recorded before it is made, so no crash can lose it silently."""

from __future__ import annotations

from typing import Any

import pytest

from hokusai import LocalStoreError, ModelRegistry
from hokusai.local.pending import PendingRegistration
from tests.conftest import KEYS


def registry(fake: Any, **kwargs: Any) -> ModelRegistry:
    return ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], **kwargs)


def intent(reg: ModelRegistry, key: str, name: str = "churn") -> PendingRegistration:
    """What a process leaves behind when it dies during the local half of a fallback."""
    return PendingRegistration(
        idempotency_key=key,
        name=name,
        local_version="",
        local_tracking_uri=reg.config.local_uri.value,
        remote_tracking_uri=reg.config.remote_uri.value,
        reason="connection",
    )


def test_a_failed_fallback_leaves_no_record_promising_a_model(fake: Any, sk_model: Any) -> None:
    fake.go_down("refused")
    reg = registry(fake, local_tracking_uri="sqlite:////proc/no-such-dir/mlflow.db")
    with pytest.raises(LocalStoreError):
        reg.register_model(sk_model, "churn")
    assert reg.pending_store().all() == []


def test_a_record_whose_local_registration_happened_is_completed_and_pushed(
    fake: Any, sk_model: Any
) -> None:
    local = ModelRegistry(mode="local")
    made = local.register_model(sk_model, "churn", idempotency_key="crashed-after-local")
    reg = registry(fake)
    reg.pending_store().add(intent(reg, "crashed-after-local"))
    report = reg.sync()
    assert report.counts["pushed"] == 1
    record = reg.pending_store().get("crashed-after-local")
    assert record is not None and record.local_version == made.version
    assert record.status == "pushed"
    assert len(fake.model_versions("churn")) == 1


def test_a_record_whose_local_registration_never_happened_is_dropped_and_reported(
    fake: Any,
) -> None:
    reg = registry(fake)
    reg.pending_store().add(intent(reg, "crashed-before-local"))
    report = reg.sync()
    [item] = report.items
    assert item.outcome == "failed" and isinstance(item.error, LocalStoreError)
    assert "never reached the local store" in str(item.error)
    assert reg.pending_store().all() == []
    assert fake.model_versions("churn") == []


def test_the_normal_fallback_record_names_its_local_version(fake: Any, sk_model: Any) -> None:
    fake.go_down("refused")
    reg = registry(fake)
    entry = reg.register_model(sk_model, "churn")
    record = reg.pending_store().get(entry.idempotency_key)
    assert record is not None and record.local_version == entry.version == "1"
