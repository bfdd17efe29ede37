"""A 429 that the transport waited out is not the cause of a failure that comes after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hokusai.errors import HokusaiError, RateLimitedError
from hokusai.testing.faults import Fault
from tests.hardening.test_rate_limits import CREATE, FakeTime, keyed_versions, registry


def test_a_later_failure_of_mlflows_own_is_not_reported_as_rate_limiting(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    reg = registry(fake, time)
    reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-0")  # the model exists
    fake.inject(Fault.rate_limited(), path=r"/runs/create$")  # waited out, then answered
    # The create is answered 200 with a body MLflow cannot read: MLflow's own failure, no
    # error answer of the registry's behind it.
    fake.inject(Fault.text(200, "this is not JSON"), path=CREATE, times=None)

    with pytest.raises(HokusaiError) as caught:
        reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-1")

    assert not isinstance(caught.value, RateLimitedError)
    assert "rate limit" not in str(caught.value).lower()
    assert len(time.sleeps) == 1  # the 429's wait, and no retrying of what is not a 429
    assert keyed_versions(fake, "churn", "t-1") == []


def test_a_429_given_up_on_is_still_reported_as_rate_limiting(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(Fault.rate_limited(), path=r"/runs/create$", times=None)

    with pytest.raises(RateLimitedError):
        registry(fake, time, retry_deadline="100").register_model(
            str(sk_model_dir), "churn", idempotency_key="t-2"
        )
