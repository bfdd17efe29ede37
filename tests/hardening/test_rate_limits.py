"""A registry that says "not now" (429 or 503 with Retry-After) is waited out within the retry
deadline, and nothing is registered twice on the way.

The waits go to a recorder instead of the clock (the container's ``retry_sleep``), so these
tests take no wall-clock time and assert what the SDK decided to wait, not how long it took.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from hokusai import ModelRegistry
from hokusai.container import Container
from hokusai.errors import ConfigurationError, RateLimitedError, RegistryUnavailableError
from hokusai.models import TAG_IDEMPOTENCY_KEY
from hokusai.testing.faults import Fault
from hokusai.transport.retry_policy import Kind, RetryPolicy, parse_retry_after
from tests.conftest import KEYS

CREATE = r"/model-versions/create$"


class FakeTime:
    """A clock that moves only when the SDK sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def registry(fake: Any, time: FakeTime, mode: str = "remote", **arguments: object) -> Any:
    container = Container()
    container.retry_sleep.override(providers.Object(time.sleep))
    container.retry_clock.override(providers.Object(time.clock))
    if arguments:
        container.arguments.override(arguments)
    return ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode=mode, container=container)


def keyed_versions(fake: Any, name: str, key: str) -> list[int]:
    return [v.version for v in fake.model_versions(name) if v.tags.get(TAG_IDEMPOTENCY_KEY) == key]


def creates(fake: Any) -> list[int | None]:
    return [r.status for r in fake.requests if r.path.endswith("/model-versions/create")]


def test_a_rate_limited_create_is_tried_again_and_lands_once(fake: Any, sk_model_dir: Path) -> None:
    time = FakeTime()
    fake.inject(Fault.rate_limited(), path=CREATE)

    entry = registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="t-1")

    assert entry.target == "remote"
    assert keyed_versions(fake, "churn", "t-1") == [int(str(entry.version))]
    assert creates(fake) == [429, 200]
    assert len(time.sleeps) == 1


def test_the_retry_after_of_a_rate_limited_probe_is_waited_for(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(Fault.rate_limited(), path=r"/registered-models/search$")  # Retry-After: 60

    entry = registry(fake, time, mode="auto").register_model(str(sk_model_dir), "churn")

    assert entry.target == "remote"
    [waited] = time.sleeps
    assert 60 <= waited <= 62  # the server's 60 s, plus a little spread against a stampede


def test_a_503_after_the_create_was_applied_finds_the_version_by_its_key(
    fake: Any, sk_model_dir: Path
) -> None:
    """Look before re-creating: the retry finds what the failed attempt made."""
    time = FakeTime()
    fake.inject(Fault.auth_unavailable().after_applying(), path=CREATE)

    entry = registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="t-2")

    assert creates(fake) == [503]  # the retry looked the key up and did not create again
    assert keyed_versions(fake, "churn", "t-2") == [int(str(entry.version))]
    assert len(time.sleeps) == 1


def test_without_retry_after_the_waits_back_off_and_stop_at_the_deadline(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(Fault.status(429, json={"error": "RATE_LIMITED"}), path=CREATE, times=None)
    reg = registry(fake, time, retry_deadline="20")

    with pytest.raises(RateLimitedError) as caught:
        reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-3")

    assert sum(time.sleeps) <= 20
    assert len(time.sleeps) >= 3  # several tries, not one long wait
    text = str(caught.value)
    assert f"Gave up after {len(time.sleeps) + 1} attempts over" in text
    assert "retry deadline of 20 s (from argument)" in text
    assert "HOKUSAI_RETRY_DEADLINE" in text
    assert "idempotency_key='t-3'" in text  # the safe way to try again
    assert keyed_versions(fake, "churn", "t-3") == []


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(fake: Any, sk_model_dir: Path) -> None:
    time = FakeTime()
    fake.inject(Fault.rate_limited(), path=r"/registered-models/search$", times=None)
    reg = registry(fake, time, retry_deadline="30")

    with pytest.raises(RateLimitedError) as caught:
        reg.register_model(str(sk_model_dir), "churn")  # the probe hears Retry-After: 60

    assert time.sleeps == []
    assert caught.value.retry_after == 60
    assert "Gave up after 1 attempt over" in str(caught.value)


def test_a_deadline_of_zero_raises_the_first_429_as_before(fake: Any, sk_model_dir: Path) -> None:
    time = FakeTime()
    fake.inject(Fault.rate_limited(), path=CREATE)
    reg = registry(fake, time, retry_deadline="0")

    with pytest.raises(RateLimitedError) as caught:
        reg.register_model(str(sk_model_dir), "churn")

    assert time.sleeps == []
    assert "Gave up" not in str(caught.value)


def test_in_auto_mode_a_503_that_outlasts_the_deadline_falls_back_after_waiting(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    fake.inject(Fault.auth_unavailable(), path=CREATE, times=None)  # Retry-After: 1
    reg = registry(fake, time, mode="auto", retry_deadline="5")

    entry = reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-4")

    assert entry.target == "local" and entry.pending_sync
    assert len(time.sleeps) >= 3 and sum(time.sleeps) <= 5
    assert reg.pending_store().get("t-4") is not None


def test_reads_are_retried_on_503(fake: Any, sk_model_dir: Path) -> None:
    time = FakeTime()
    reg = registry(fake, time)
    reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-5")
    fake.inject(Fault.auth_unavailable(), method="GET", path=r"/model-versions/search$")

    found = reg.backend.search_versions(name="churn", tags={TAG_IDEMPOTENCY_KEY: "t-5"})

    assert [e.idempotency_key for e in found] == ["t-5"]
    assert len(time.sleeps) == 1


def test_a_deletion_is_not_repeated_after_an_ambiguous_503() -> None:
    time = FakeTime()
    policy = RetryPolicy(deadline=60, sleep=time.sleep, clock=time.clock)
    calls: list[int] = []

    def delete() -> None:
        calls.append(1)
        raise RegistryUnavailableError("upstream 503", reason="http-503", status=503)

    with pytest.raises(RegistryUnavailableError):
        policy.run(delete, kind=Kind.ONCE, action="deleting")
    assert calls == [1] and time.sleeps == []


def test_artifacts_disabled_is_not_waited_for() -> None:
    time = FakeTime()
    policy = RetryPolicy(deadline=60, sleep=time.sleep, clock=time.clock)
    error = RegistryUnavailableError("off", reason="artifacts-disabled", status=503)

    def read() -> None:
        raise error

    with pytest.raises(RegistryUnavailableError):
        policy.run(read, kind=Kind.IDEMPOTENT, action="reading")
    assert time.sleeps == []


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("60", 60.0),
        (" 2.5 ", 2.5),
        ("Sun, 29 Nov 2026 02:00:30 GMT", 30.0),  # an HTTP-date, 30 s after "now"
        ("Sun, 29 Nov 2026 01:00:00 GMT", 0.0),  # already past
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(raw: str | None, seconds: float) -> None:
    now = datetime(2026, 11, 29, 2, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(raw, now=now) == seconds


@pytest.mark.parametrize("raw", ["-1", "3601", "forever"])
def test_a_bad_retry_deadline_is_refused_before_any_request(
    fake: Any, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("HOKUSAI_RETRY_DEADLINE", raw)
    with pytest.raises(ConfigurationError, match="HOKUSAI_RETRY_DEADLINE"):
        ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    assert fake.requests == []
