"""On the real server, every request of a registration and of loading the model back goes
through the registry's own transport, and the process environment does not change meanwhile.

MLflow's own request path (``rest_utils.http_request``, which reads the retry count and
timeout from ``os.environ``) is replaced here by a tripwire: if any REST call, artifact upload
or download of the SDK took it, the tripwire would record it.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import mlflow.utils.rest_utils
import numpy as np
import pytest

from fixtures.real_server import RealServer
from hokusai import ModelRegistry

pytestmark = pytest.mark.integration

SAMPLE = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])


@pytest.fixture
def mlflow_path_tripwire(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """URLs of requests that went through MLflow's own (environment-configured) path."""
    taken: list[str] = []

    def tripwire(method: str, url: str, *_args: Any, **_kwargs: Any) -> Any:
        taken.append(f"{method} {url}")
        raise AssertionError(f"{method} {url} took MLflow's own request path")

    monkeypatch.setattr(mlflow.utils.rest_utils, "_get_http_response_with_retries", tripwire)
    return taken


class EnvironmentSampler(threading.Thread):
    """Copies ``os.environ`` from another thread, over and over, until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[dict[str, str]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.005):
            self.samples.append(dict(os.environ))

    def __enter__(self) -> EnvironmentSampler:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._halt.set()
        self.join()


@pytest.fixture
def registry(live_server: RealServer) -> Iterator[ModelRegistry]:
    with ModelRegistry(
        live_server.tracking_uri, api_key=live_server.key_for("alice"), mode="remote"
    ) as registry:
        yield registry


def test_register_and_load_go_through_the_registry_transport_and_leave_the_environment(
    registry: ModelRegistry, sk_model: Any, mlflow_path_tripwire: list[str]
) -> None:
    name = f"transport-{uuid.uuid4().hex[:8]}"
    before = dict(os.environ)

    with EnvironmentSampler() as sampler:
        entry = registry.register_model(sk_model, name)
        loaded = registry.load_model(name, entry.version)

    assert entry.target == "remote"
    assert list(loaded.predict(SAMPLE)) == list(sk_model.predict(SAMPLE))  # type: ignore[attr-defined]
    assert mlflow_path_tripwire == []
    assert sampler.samples, "the sampler never ran during the calls"
    assert all(sample == before for sample in sampler.samples)
    assert dict(os.environ) == before


def test_the_escape_hatch_client_uses_the_registry_transport_too(
    registry: ModelRegistry, sk_model: Any, mlflow_path_tripwire: list[str], tmp_path: Any
) -> None:
    name = f"transport-client-{uuid.uuid4().hex[:8]}"
    entry = registry.register_model(sk_model, name)

    version = registry.client.get_model_version(name, entry.version)
    files = registry.client.list_logged_model_artifacts(version.model_id or entry.logged_model_id)

    assert version.name == name
    assert "MLmodel" in {f.path for f in files}
    assert mlflow_path_tripwire == []
