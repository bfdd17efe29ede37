"""The test stack's proxy limits each key like production: a token bucket, 429 + Retry-After."""

from __future__ import annotations

from fixtures.real_server.proxy import TokenBuckets, rate_limited


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_served_then_requests_wait_for_the_refill() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=4, burst=3, clock=clock)

    assert [buckets.take("alice") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("alice") == 0.25  # one token every 1/4 s
    clock.now = 0.25
    assert buckets.take("alice") == 0
    assert buckets.take("alice") > 0


def test_each_key_has_its_own_bucket() -> None:
    buckets = TokenBuckets(rate=1, burst=1, clock=Clock())
    assert buckets.take("alice") == 0
    assert buckets.take("alice") > 0
    assert buckets.take("bob") == 0


def test_a_full_bucket_holds_no_more_than_its_burst() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=10, burst=2, clock=clock)
    clock.now = 100.0  # long idle
    assert [buckets.take("alice") == 0 for _ in range(3)] == [True, True, False]


def test_the_429_says_when_to_come_back_in_whole_seconds() -> None:
    answer = rate_limited(0.05)
    assert answer.status == 429
    assert answer.headers["Retry-After"] == "1"
    assert rate_limited(2.2).headers["Retry-After"] == "3"


def test_a_precise_429_also_says_the_wait_in_milliseconds() -> None:
    answer = rate_limited(0.125, precise=True)
    assert answer.headers == {"Retry-After": "1", "Retry-After-Ms": "125"}
    assert "Retry-After-Ms" not in rate_limited(0.125).headers  # production sends none


def test_tokens_lost_to_a_full_bucket_are_counted() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=8, burst=4, clock=clock)
    buckets.take("alice")  # 3 left
    clock.now = 1.0  # 8 tokens came back; 1 fitted, 7 overflowed
    buckets.take("alice")
    assert buckets.wasted("alice") == 7
    assert buckets.wasted("bob") == 0
