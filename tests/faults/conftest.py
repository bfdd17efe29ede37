"""Fixtures for the fault matrix: a model staged once, a short probe budget, a warm local store.

The matrix runs hundreds of registrations, a third of which fall back to the local store. Two
things would dominate its run time without changing what it checks, so they are done once
per test session (per xdist worker):

- opening MLflow's sqlite store (schema checks: a few hundred milliseconds per client);
- committing to a database on disk (every commit is an fsync).

So every case's registry gets the same HOKUSAI_HOME, on a RAM disk where there is one, and a
client factory (through the container, as the SDK's tests replace parts) that keeps one
``MlflowClient`` per tracking URI. Each case still gets its own registry (config, breaker,
pending store object) and its own model name, so cases share nothing they check.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from hokusai import ModelRegistry
from hokusai.backends.mlflow_store import make_mlflow_client
from hokusai.container import Container

# Every fault here strikes at once (a refused connection, a read timeout raised by the fake), so
# no case waits this out; it only has to be long enough that a probe answered by the in-process
# fake is never cut off on a loaded CI machine (at 1 s one was, and auto fell back before the
# fault's step: "the failing request was made 0 times").
PROBE_TIMEOUT_S = 5.0
RAM_DISK = Path("/dev/shm")


@pytest.fixture(scope="session")
def model_dir(sk_model: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's scikit-learn model as a minimal MLflow model directory, saved once.

    Registering a directory uploads its files as they are, so each case pays for the
    registration only, not for serialising the model again. The environment files MLflow
    writes beside the model are left out: two files (``MLmodel`` and the model) still make
    a model directory the SDK accepts, and every case uploads them.
    """
    import mlflow.sklearn

    path = tmp_path_factory.mktemp("fault-model") / "model"
    mlflow.sklearn.save_model(
        sk_model, str(path), pip_requirements=mlflow.sklearn.get_default_pip_requirements()
    )
    for extra in ("conda.yaml", "python_env.yaml", "requirements.txt"):
        (path / extra).unlink(missing_ok=True)
    return path


@pytest.fixture(scope="session")
def shared_home(migrated_local_db: Path) -> Iterator[Path]:
    """One HOKUSAI_HOME for the whole matrix, with an empty, migrated local store."""
    parent = RAM_DISK if RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK) else None
    home = Path(tempfile.mkdtemp(prefix="hokusai-faults-", dir=parent))
    (home / "mlflow").mkdir()
    shutil.copyfile(migrated_local_db, home / "mlflow" / "mlflow.db")
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def warm_clients() -> Callable[[str], Any]:
    """The SDK's own client factory, remembering one client per tracking URI."""
    clients: dict[str, Any] = {}

    def factory(tracking_uri: str) -> Any:
        if tracking_uri not in clients:
            clients[tracking_uri] = make_mlflow_client(tracking_uri)
        return clients[tracking_uri]

    return factory


@pytest.fixture(autouse=True)
def short_probe_budget(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    """Every registry in these tests decides within ``PROBE_TIMEOUT_S``."""
    monkeypatch.setenv("HOKUSAI_PROBE_TIMEOUT", f"{PROBE_TIMEOUT_S:g}")
    return PROBE_TIMEOUT_S


MakeRegistry = Callable[..., ModelRegistry]


@pytest.fixture
def make_registry(
    shared_home: Path, warm_clients: Callable[[str], Any], short_probe_budget: float
) -> MakeRegistry:
    """A new registry on the shared home and warm clients: ``make_registry(uri, key, mode)``."""

    def make(tracking_uri: str, api_key: str, mode: str) -> ModelRegistry:
        container = Container()
        container.mlflow_client_factory.override(providers.Object(warm_clients))
        # The matrix checks what each single fault means; waiting out 429/503 is
        # tests/hardening/test_rate_limits.py's subject.
        container.arguments.override({"retry_deadline": 0})
        return ModelRegistry(
            tracking_uri, api_key=api_key, mode=mode, home=shared_home, container=container
        )

    return make
