"""A registration repeated after a 503 half-way leaves no orphan run or logged model behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hokusai.models import TAG_IDEMPOTENCY_KEY
from hokusai.testing.faults import Fault
from tests.hardening.test_rate_limits import CREATE, FakeTime, keyed_versions, registry


def test_a_503_at_the_version_create_reuses_the_run_and_logged_model(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(Fault.auth_unavailable(), path=CREATE)  # Retry-After: 1, not applied

    entry = registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="t-1")

    assert keyed_versions(fake, "churn", "t-1") == [int(str(entry.version))]
    assert len(fake.state.runs) == 1
    [logged] = fake.state.logged_models.values()
    assert entry.logged_model_id == logged.model_id
    assert logged.status.endswith("READY")  # finalized again after the repeat
    assert logged.tags[TAG_IDEMPOTENCY_KEY] == "t-1"
    assert len(time.sleeps) == 1


def test_a_503_after_the_logged_model_was_created_unseen_finds_it_by_its_key(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    # The run's create lands but its answer is a 503: the repeat finds the run by its tag.
    fake.inject(Fault.auth_unavailable().after_applying(), path=r"/runs/create$")

    entry = registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="t-2")

    [run] = fake.state.runs.values()
    assert run.tags[TAG_IDEMPOTENCY_KEY] == "t-2"
    [logged] = fake.state.logged_models.values()
    assert logged.source_run_id == run.run_id == entry.run_id
    assert keyed_versions(fake, "churn", "t-2") == [int(str(entry.version))]


def test_a_second_registration_makes_its_own_run(fake: Any, sk_model_dir: Path) -> None:
    reg = registry(fake, FakeTime())
    first = reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-3")
    second = reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-4")

    assert first.run_id != second.run_id
    assert first.logged_model_id != second.logged_model_id
    assert len(fake.state.runs) == 2 and len(fake.state.logged_models) == 2
