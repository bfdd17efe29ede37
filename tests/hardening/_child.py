"""Child processes for the cross-process tests: run as ``python -m tests.hardening._child``.

Each role waits on files the test creates, so the test (not timing) decides the interleaving.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

WAIT_LIMIT = 120.0


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {path}")
        time.sleep(0.02)


def slow_fallback(model_dir: str, key: str, ready: Path, go: Path) -> int:
    """Register during an outage; the local half waits until the test says go."""
    from dependency_injector import providers

    from hokusai import ModelRegistry
    from hokusai.backends.mlflow_store import MlflowStoreBackend
    from hokusai.container import Container
    from hokusai.testing.fake_server import ALICE_KEY, FakeRegistryServer

    class GatedLocal(MlflowStoreBackend):
        def register(self, request: Any) -> Any:
            ready.touch()
            wait_for(go)
            return super().register(request)

    container = Container()
    container.local_store.override(providers.Singleton(GatedLocal, **container.local_store.kwargs))
    with FakeRegistryServer() as fake:
        fake.go_down("refused")
        registry = ModelRegistry(fake.tracking_uri, api_key=ALICE_KEY, container=container)
        try:
            entry = registry.register_model(model_dir, "churn", idempotency_key=key)
        except Exception as exc:
            print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
            return 1
    print(json.dumps({"target": entry.target, "version": entry.version}))
    return 0


def hold_sync_lock(home: str, ready: Path, go: Path) -> int:
    """Stand for a `hokusai sync` that is running: hold its lock until told to stop."""
    from hokusai import sync

    with sync._exclusive(Path(home) / "pending"):
        ready.touch()
        wait_for(go)
    return 0


def local_register(model_dir: str, name: str, start: Path) -> int:
    """Register in the local store of a fresh HOKUSAI_HOME, starting when told to."""
    from hokusai import ModelRegistry

    registry = ModelRegistry(mode="local")
    wait_for(start)
    try:
        entry = registry.register_model(model_dir, name)
    except Exception as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        return 1
    print(json.dumps({"target": entry.target, "version": entry.version}))
    return 0


def register_offline(model_dir: str, name: str, count: str, start: Path) -> int:
    """Register ``count`` versions while the registry looks unreachable (its probe is refused),
    so each falls back to the shared local store; prints the idempotency keys."""
    import requests
    from dependency_injector import providers

    from hokusai import ModelRegistry
    from hokusai.container import Container

    class Refused(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            raise requests.ConnectionError("refused (test)")

    container = Container()
    container.http_session_factory.override(providers.Object(Refused))
    registry = ModelRegistry(container=container)
    wait_for(start)
    keys = []
    for _ in range(int(count)):
        entry = registry.register_model(model_dir, name)
        assert entry.pending_sync, entry
        keys.append(entry.idempotency_key)
    print(json.dumps({"keys": keys}))
    return 0


def sync_repeatedly(times: str, start: Path) -> int:
    """Run `hokusai sync` ``times`` times, as a user re-running it while others register."""
    from hokusai.cli.main import main

    wait_for(start)
    codes = [main(["sync"]) for _ in range(int(times))]
    print(json.dumps({"codes": codes}))
    return 0


ROLES = {
    "slow-fallback": lambda a: slow_fallback(a[0], a[1], Path(a[2]), Path(a[3])),
    "hold-sync-lock": lambda a: hold_sync_lock(a[0], Path(a[1]), Path(a[2])),
    "local-register": lambda a: local_register(a[0], a[1], Path(a[2])),
    "register-offline": lambda a: register_offline(a[0], a[1], a[2], Path(a[3])),
    "sync-repeatedly": lambda a: sync_repeatedly(a[0], Path(a[1])),
}

if __name__ == "__main__":
    sys.exit(ROLES[sys.argv[1]](sys.argv[2:]))
