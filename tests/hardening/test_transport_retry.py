"""A 429 half-way through a registration repeats the one refused request, not the registration.

The proxy answers 429 instead of forwarding, so the refused request was never applied and may be
sent again as it was (an upload re-sends its file). Starting the registration over would make a
new run and a new logged model and upload everything again. The waits go to a recorder (the
container's ``retry_sleep``), so nothing here waits on the real clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from hokusai.errors import RateLimitedError, RegistryUnavailableError
from hokusai.testing.faults import Fault
from tests.conftest import KEYS
from tests.hardening.test_rate_limits import FakeTime, keyed_versions, registry

UPLOAD = r"/mlflow-artifacts/artifacts/.*MLmodel$"
CREATE = r"/model-versions/create$"


def rate_limited(retry_after: str | None) -> Fault:
    headers = {"Retry-After": retry_after} if retry_after is not None else None
    return Fault.status(429, json={"error": "RATE_LIMITED"}, headers=headers)


def answered(fake: Any, method: str, suffix: str) -> list[int | None]:
    return [r.status for r in fake.requests if r.method == method and r.path.endswith(suffix)]


def made_once(fake: Any) -> None:
    """One run and one logged model: the registration was not started over."""
    assert [s for s in answered(fake, "POST", "/runs/create") if s == 200] == [200]
    assert [s for s in answered(fake, "POST", "/logged-models") if s == 200] == [200]


def test_a_429_on_an_upload_resends_that_file_after_its_retry_after(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(rate_limited("7"), method="PUT", path=UPLOAD)

    entry = registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="u-1")

    made_once(fake)
    assert keyed_versions(fake, "churn", "u-1") == [int(str(entry.version))]
    assert answered(fake, "PUT", "/MLmodel")[0] == 429
    assert len(answered(fake, "PUT", "/MLmodel")) == 2
    assert any(p.endswith("MLmodel") for p in fake.artifact_paths())
    [waited] = time.sleeps
    assert 7 <= waited <= 7 * 1.2  # the server's 7 s, plus a little spread


def test_a_429_on_the_create_honours_an_http_date_and_keeps_the_run(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    when = datetime.now(timezone.utc) + timedelta(seconds=40)
    fake.inject(rate_limited(format_datetime(when, usegmt=True)), path=CREATE)

    entry = registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="u-2")

    made_once(fake)
    assert answered(fake, "POST", "/model-versions/create") == [429, 200]
    assert keyed_versions(fake, "churn", "u-2") == [int(str(entry.version))]
    [waited] = time.sleeps
    assert 30 <= waited <= 40 * 1.2


def test_without_retry_after_the_upload_backs_off_with_jitter(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(rate_limited(None), method="PUT", path=UPLOAD, times=3)

    registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="u-3")

    made_once(fake)
    assert len(time.sleeps) == 3
    assert all(0 <= s <= 2 for s in time.sleeps)  # 0.5 s, 1 s, 2 s at most: no long waits


def test_a_429_past_the_deadline_raises_saying_how_long_it_waited(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(rate_limited("7"), method="PUT", path=UPLOAD, times=None)
    reg = registry(fake, time, retry_deadline="20")

    with pytest.raises(RateLimitedError) as caught:
        reg.register_model(str(sk_model_dir), "churn", idempotency_key="u-4")

    made_once(fake)  # waited out inside the registration, never started over
    assert len(time.sleeps) == 2 and sum(time.sleeps) <= 20
    text = str(caught.value)
    assert text.count("Gave up") == 1
    assert "Gave up after 3 attempts over" in text
    assert "retry deadline of 20 s (from argument)" in text
    assert "HOKUSAI_RETRY_DEADLINE" in text
    assert "idempotency_key='u-4'" in text
    assert KEYS["alice"] not in text and KEYS["alice"] not in repr(caught.value)
    assert keyed_versions(fake, "churn", "u-4") == []


def test_a_503_half_way_is_left_to_the_operation_with_its_retry_after(
    fake: Any, sk_model_dir: Path
) -> None:
    """A 503 may have been applied: the registration repeats (looking its key up first), and
    waits the Retry-After the 503 carried, not a guessed back-off."""
    time = FakeTime()
    fake.inject(
        Fault.status(503, json={"error": "AUTH_SERVICE_UNAVAILABLE"}, headers={"Retry-After": "9"}),
        method="PUT",
        path=UPLOAD,
    )

    entry = registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="u-5")

    assert answered(fake, "PUT", "/MLmodel")[0] == 503
    assert keyed_versions(fake, "churn", "u-5") == [int(str(entry.version))]
    [waited] = time.sleeps
    assert 9 <= waited <= 9 * 1.2


def test_a_503_past_the_deadline_stays_a_registry_unavailable_error(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(Fault.auth_unavailable(), method="PUT", path=UPLOAD, times=None)
    reg = registry(fake, time, retry_deadline="3")

    with pytest.raises(RegistryUnavailableError) as caught:
        reg.register_model(str(sk_model_dir), "churn", idempotency_key="u-6")

    assert caught.value.status == 503 and caught.value.retry_after == 1
    assert KEYS["alice"] not in str(caught.value)
