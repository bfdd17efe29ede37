"""The user's whole journey on a real ``mlflow server`` behind the authenticating proxy.

Only a key and the registry's address are set, as in the README. The registry is then taken
down (both processes: connections refused), brought back, and its MLflow upstream stopped
behind a live proxy (502); two users register at the same time from one process.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dependency_injector import providers

from fixtures.real_server import RealServer, RequestRecord
from hokusai import ModelRegistry
from hokusai.connection.probe import CircuitBreaker
from hokusai.container import Container
from hokusai.models import ModelRegistryEntry

pytestmark = pytest.mark.integration

PROBE_TIMEOUT_S = 3.0  # the SDK's default budget
MARGIN_S = 2.0
COOLDOWN_S = 2.0
SAMPLE = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def only_a_key(live_server: RealServer, monkeypatch: pytest.MonkeyPatch) -> RealServer:
    """The README's setup: a key and the registry's address, nothing else."""
    monkeypatch.setenv("HOKUSAI_API_KEY", live_server.key_for("alice"))
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", live_server.tracking_uri)
    monkeypatch.setenv("HOKUSAI_PROBE_CACHE_SECONDS", f"{COOLDOWN_S:g}")
    return live_server


class ManualClock:
    """The breaker's clock, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def registry_with_clock(clock: Callable[[], float]) -> ModelRegistry:
    container = Container()
    container.breaker.override(
        providers.Singleton(
            CircuitBreaker,
            probe=container.probe,
            cooldown=container.tracking_config.provided.breaker_cooldown.value,
            clock=clock,
        )
    )
    return ModelRegistry(container=container)


def timed(call: Callable[[], ModelRegistryEntry]) -> tuple[ModelRegistryEntry, float]:
    started = time.monotonic()
    entry = call()
    return entry, time.monotonic() - started


def test_register_load_outage_fallback_and_recovery(
    only_a_key: RealServer, sk_model: Any, sk_model_dir: Path
) -> None:
    server = only_a_key
    clock = ManualClock()
    registry = registry_with_clock(clock)
    name = unique("e2e-iris")

    # Up: the model goes to the hosted registry, real files and all, and comes back working.
    first = registry.register_model(sk_model, name, alias="champion")
    assert (first.target, first.version, first.aliases) == ("remote", "1", ("champion",))
    assert first.tracking_uri == server.tracking_uri
    loaded = registry.load_model(name, first.version or "")
    np.testing.assert_array_equal(loaded.predict(SAMPLE), sk_model.predict(SAMPLE))

    # Down (connections refused): the next registration falls back within the probe budget,
    # although the breaker still held the earlier "reachable" verdict.
    server.kill()
    down, elapsed = timed(lambda: registry.register_model(sk_model_dir, name))
    assert elapsed < PROBE_TIMEOUT_S + MARGIN_S, f"{elapsed:.2f} s"
    assert (down.target, down.pending_sync) == ("local", True)
    assert down.tracking_uri.startswith("sqlite:///")
    record = registry.pending_store().get(down.idempotency_key or "")
    assert record is not None and record.status == "pending"
    assert (record.name, record.local_version) == (name, down.version)
    assert record.remote_tracking_uri == server.tracking_uri
    # ...and the breaker remembers: the next one does not even try.
    again, elapsed = timed(lambda: registry.register_model(sk_model_dir, name))
    assert again.target == "local" and elapsed < 1.0

    # Back: within the breaker's cooldown the registry still goes local; after it, remote.
    server.start()
    clock.now += COOLDOWN_S / 2
    assert registry.register_model(sk_model_dir, name).target == "local"
    clock.now += COOLDOWN_S
    back = registry.register_model(sk_model_dir, name)
    assert (back.target, back.version) == ("remote", "2")
    assert len(registry.pending_store().pending()) == 3


def test_upstream_down_behind_a_live_proxy_falls_back(
    only_a_key: RealServer, sk_model_dir: Path
) -> None:
    server = only_a_key
    registry = ModelRegistry()
    server.kill_upstream()
    try:
        entry, elapsed = timed(lambda: registry.register_model(sk_model_dir, unique("e2e-502")))
    finally:
        server.start()

    assert elapsed < PROBE_TIMEOUT_S + MARGIN_S, f"{elapsed:.2f} s"
    assert (entry.target, entry.pending_sync) == ("local", True)
    assert entry.reason == "registry unreachable: http-502"
    assert registry.pending_store().get(entry.idempotency_key or "") is not None
    assert server.requests()[-1].status == 502


def test_two_keys_in_two_threads_each_send_their_own(
    live_server: RealServer, sk_model_dir: Path
) -> None:
    users = ("alice", "bob")
    registries = {
        user: ModelRegistry(
            live_server.tracking_uri,
            api_key=live_server.key_for(user),
            mode="remote",
            experiment=unique(f"e2e-{user}"),
        )
        for user in users
    }
    names = {user: unique(f"e2e-{user}") for user in users}
    entries: dict[str, list[ModelRegistryEntry]] = {user: [] for user in users}
    errors: list[BaseException] = []
    start = threading.Barrier(len(users))
    before = len(live_server.requests())

    def work(user: str) -> None:
        try:
            start.wait()
            for _ in range(2):
                entries[user].append(registries[user].register_model(sk_model_dir, names[user]))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert {u: [(e.target, e.version) for e in done] for u, done in entries.items()} == {
        "alice": [("remote", "1"), ("remote", "2")],
        "bob": [("remote", "1"), ("remote", "2")],
    }
    seen = live_server.requests()[before:]
    assert seen and all(r.key_source == "bearer" and r.user in users for r in seen), seen
    by_user = {user: [r for r in seen if r.user == user] for user in users}
    for user, entry in [(u, e) for u, done in entries.items() for e in done]:
        other = next(u for u in users if u != user)
        mine = [r for r in seen if owned_by(r, entry)]
        uploads = [r for r in mine if r.method == "PUT"]
        # Every request about this user's model, artifact uploads included, carried their key.
        assert len(uploads) == len(list(sk_model_dir.iterdir()))
        assert {r.user for r in mine} == {user}, mine
        assert all(r.status == 200 for r in mine), mine
        assert not any(owned_by(r, entry) for r in by_user[other])
    # Both did the same work, each with their own key.
    assert len(by_user["alice"]) == len(by_user["bob"])


def owned_by(record: RequestRecord, entry: ModelRegistryEntry) -> bool:
    """Whether a logged request is about ``entry``'s logged model (its files or its record)."""
    return bool(entry.logged_model_id) and f"/{entry.logged_model_id}" in record.path


def test_a_local_mlflow_server_as_the_local_store_keeps_its_own_artifacts(
    live_server: RealServer, sk_model_dir: Path
) -> None:
    # HOKUSAI_LOCAL_TRACKING_URI may name a plain `mlflow server` (here: the real one, without
    # the proxy); the server, not HOKUSAI_HOME, decides where its artifacts go.
    registry = ModelRegistry(
        mode="local", local_tracking_uri=live_server.mlflow_url, experiment=unique("exp")
    )
    name = unique("local-server")
    entry = registry.register_model(sk_model_dir, name)
    assert entry.target == "local" and entry.tracking_uri == live_server.mlflow_url
    assert entry.source is not None and entry.source.startswith("mlflow-artifacts:/")
    loaded = registry.load_model(name, entry.version or "")
    assert loaded.metadata.flavors
