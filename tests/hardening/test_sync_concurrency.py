"""`hokusai sync` pushes many pending records at once, each exactly once, with progress."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from hokusai import ModelRegistry
from hokusai.container import Container
from hokusai.errors import AuthenticationError, ConfigurationError
from hokusai.models import TAG_IDEMPOTENCY_KEY
from hokusai.sync import SyncEvent, sync_pending
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

RECORDS = 10


def registry(fake: Any, **arguments: object) -> ModelRegistry:
    container = Container()
    sleeps: list[float] = []
    container.retry_sleep.override(providers.Object(sleeps.append))
    if arguments:
        container.arguments.override(arguments)
    return ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], container=container)


def pending_records(fake: Any, model_dir: Path, count: int = RECORDS) -> list[str]:
    """``count`` registrations made while the registry was down (kept locally, pending)."""
    fake.go_down("refused")
    reg = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    keys = [f"trial-{n}" for n in range(count)]
    for key in keys:
        entry = reg.register_model(str(model_dir), f"sweep-{key}", idempotency_key=key)
        assert entry.pending_sync
    fake.come_back()
    return keys


def remote_versions_by_key(fake: Any, keys: list[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for key in keys:
        for version in fake.model_versions(f"sweep-{key}"):
            found[version.tags.get(TAG_IDEMPOTENCY_KEY)] += 1
    return found


class Recorder:
    """Keeps every event, and notices if two are ever delivered at the same time."""

    def __init__(self) -> None:
        self.events: list[SyncEvent] = []
        self.overlapped = False
        self._inside = threading.Lock()

    def __call__(self, event: SyncEvent) -> None:
        if not self._inside.acquire(blocking=False):
            self.overlapped = True
            return
        try:
            self.events.append(event)
        finally:
            self._inside.release()

    def most_in_flight(self) -> int:
        """The most records between their first stage and their ``done``, at any event."""
        started: set[int] = set()
        most = 0
        for event in self.events:
            if event.stage == "done":
                started.discard(event.index)
            else:
                started.add(event.index)
            most = max(most, len(started))
        return most


def test_a_concurrent_sync_pushes_every_record_exactly_once_with_progress(
    fake: Any, sk_model_dir: Path
) -> None:
    keys = pending_records(fake, sk_model_dir)
    recorder = Recorder()

    report = sync_pending(registry(fake), concurrency=4, on_progress=recorder)

    assert report.counts["pushed"] == RECORDS and report.complete
    assert remote_versions_by_key(fake, keys) == Counter(dict.fromkeys(keys, 1))
    assert [i.record.idempotency_key for i in report.items] == keys  # the report keeps order
    done = [e for e in recorder.events if e.stage == "done"]
    assert sorted(e.index for e in done) == list(range(1, RECORDS + 1))
    assert [e.finished for e in done] == list(range(1, RECORDS + 1))
    assert not recorder.overlapped
    assert 2 <= recorder.most_in_flight() <= 4


def test_a_sync_run_again_after_a_concurrent_one_pushes_nothing_twice(
    fake: Any, sk_model_dir: Path
) -> None:
    keys = pending_records(fake, sk_model_dir, count=6)
    reg = registry(fake)
    sync_pending(reg, concurrency=3)

    again = sync_pending(reg, concurrency=3)

    assert again.items == ()
    assert remote_versions_by_key(fake, keys) == Counter(dict.fromkeys(keys, 1))


def test_rate_limits_during_a_concurrent_sync_are_waited_out(fake: Any, sk_model_dir: Path) -> None:
    keys = pending_records(fake, sk_model_dir, count=6)
    fake.inject(Fault.rate_limited(), path=r"/model-versions/create$", times=4)

    report = sync_pending(registry(fake), concurrency=3)

    assert report.counts["pushed"] == 6
    assert remote_versions_by_key(fake, keys) == Counter(dict.fromkeys(keys, 1))


def test_a_rejected_key_stops_the_records_not_yet_started(fake: Any, sk_model_dir: Path) -> None:
    keys = pending_records(fake, sk_model_dir)
    # The key is revoked after the sync's first check: every lookup of a record is refused.
    fake.inject(Fault.invalid_key(), path=r"/model-versions/search$", times=None)

    report = sync_pending(registry(fake), concurrency=3)

    counts = report.counts
    assert counts["pushed"] == 0
    assert 1 <= counts["failed"] <= 3  # at most the records already under way
    assert counts["failed"] + counts["not-attempted"] == RECORDS
    assert all(isinstance(i.error, AuthenticationError) for i in report.items)
    assert len(registry(fake).pending_store().pending()) == RECORDS
    assert remote_versions_by_key(fake, keys) == Counter()


@pytest.mark.parametrize("bad", [0, 65, True])
def test_a_concurrency_out_of_range_is_refused_before_any_request(fake: Any, bad: int) -> None:
    reg = registry(fake)
    with pytest.raises(ConfigurationError, match="concurrency"):
        sync_pending(reg, concurrency=bad)
    assert fake.requests == []


def test_the_concurrency_setting_is_read_from_the_environment(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_SYNC_CONCURRENCY", "12")
    assert registry(fake).config.sync_concurrency.value == 12
    monkeypatch.setenv("HOKUSAI_SYNC_CONCURRENCY", "many")
    with pytest.raises(ConfigurationError, match="HOKUSAI_SYNC_CONCURRENCY"):
        registry(fake)
