"""One 429 holds back the registry's other threads, and a sub-second hint is waited exactly.

Waits go to a recorder (the container's ``retry_sleep``), so no test here takes wall-clock time.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from hokusai.errors import RateLimitedError
from hokusai.testing.faults import Fault
from hokusai.transport.retry_policy import RetryPolicy, retry_after_from
from tests.hardening.test_rate_limits import CREATE, FakeTime, keyed_versions, registry


def answered(fake: Any, status: int) -> int:
    return sum(1 for r in fake.requests if r.status == status)


class HeldTime(FakeTime):
    """The recorder, except that one thread's sleep holds it until released (time stands still
    meanwhile), so another thread can run while the first is waiting out its 429."""

    def __init__(self) -> None:
        super().__init__()
        self.held: threading.Thread | None = None
        self.asleep, self.release = threading.Event(), threading.Event()

    def sleep(self, seconds: float) -> None:
        if threading.current_thread() is self.held:
            self.asleep.set()
            self.release.wait(10)
        super().sleep(seconds)


def test_a_thread_waits_for_the_moment_another_threads_429_named(
    fake: Any, sk_model_dir: Path
) -> None:
    time = HeldTime()
    reg = registry(fake, time)
    reg.register_model(str(sk_model_dir), "churn", idempotency_key="t-0")
    fake.inject(Fault.rate_limited(), path=CREATE)  # Retry-After: 60, once
    time.held = threading.Thread(
        target=reg.register_model,
        args=(str(sk_model_dir), "churn"),
        kwargs={"idempotency_key": "t-1"},
    )
    time.held.start()
    assert time.asleep.wait(10)  # it heard the 429 and is waiting
    try:
        found = reg.backend.search_versions(name="churn")  # another thread of the registry
    finally:
        time.release.set()
        time.held.join(10)

    assert [e.idempotency_key for e in found] == ["t-0"]
    [held, told] = time.sleeps  # the main thread's wait came first: the other's was held
    assert 60 <= held <= 62 and 60 <= told <= 62  # both waited for the same moment
    assert answered(fake, 429) == 1  # the main thread did not spend a request to learn it
    assert len(keyed_versions(fake, "churn", "t-1")) == 1


def test_a_retry_after_in_milliseconds_is_waited_instead_of_the_whole_second(
    fake: Any, sk_model_dir: Path
) -> None:
    time = FakeTime()
    hint = {"Retry-After": "1", "Retry-After-Ms": "125"}
    fake.inject(Fault.status(429, json={"error": "RATE_LIMITED"}, headers=hint), path=CREATE)

    registry(fake, time).register_model(str(sk_model_dir), "churn", idempotency_key="t-2")

    [waited] = time.sleeps
    assert 0.125 <= waited <= 0.15


def test_the_whole_second_retry_after_is_the_wait_without_a_finer_hint() -> None:
    assert retry_after_from({"Retry-After": "60"}) == 60
    assert retry_after_from({"retry-after": "1", "retry-after-ms": "250"}) == 0.25
    assert retry_after_from({"Retry-After": "2", "Retry-After-Ms": "soon"}) == 2
    assert retry_after_from({}) is None


def test_the_gate_is_not_waited_past_the_deadline() -> None:
    time = FakeTime()
    policy = RetryPolicy(deadline=10, sleep=time.sleep, clock=time.clock)
    policy.hold(RateLimitedError("429", retry_after=60))
    policy.await_gate()
    assert time.sleeps == []  # sent at once; its own 429 then ends the operation
    policy.hold(RateLimitedError("429", retry_after=5))
    policy.await_gate()
    assert time.sleeps == []  # a later moment already set stays


def test_a_registry_without_retries_keeps_no_gate() -> None:
    time = FakeTime()
    policy = RetryPolicy(deadline=0, sleep=time.sleep, clock=time.clock)
    policy.hold(RateLimitedError("429", retry_after=60))
    policy.await_gate()
    assert time.sleeps == []
