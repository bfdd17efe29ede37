"""Workers of a sweep registering the first versions of one model name at the same moment.

Found by the benchmark's 8-thread row: each worker looks the registered model up, finds none,
and creates it; all but the first were refused ("already exists") and their registration failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dependency_injector import providers

from hokusai import ModelRegistry
from hokusai.backends.mlflow_store import make_mlflow_client
from hokusai.container import Container
from tests.conftest import KEYS


def test_a_name_another_worker_creates_between_our_look_and_our_create_still_registers(
    fake: Any, sk_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", KEYS["alice"])  # for the other worker's client

    class AnotherWorkerFirst:
        """The real client; another worker's create of the same name lands just before ours."""

        def __init__(self, uri: str) -> None:
            self._client = make_mlflow_client(uri)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._client, name)

        def create_registered_model(self, name: str, *args: Any, **kwargs: Any) -> Any:
            make_mlflow_client(fake.tracking_uri).create_registered_model(name)
            return self._client.create_registered_model(name, *args, **kwargs)

    container = Container()
    factory: Callable[[str], Any] = AnotherWorkerFirst
    container.mlflow_client_factory.override(providers.Object(factory))
    reg = ModelRegistry(
        fake.tracking_uri, api_key=KEYS["alice"], mode="remote", container=container
    )

    entry = reg.register_model(sk_model, "churn")

    assert (entry.name, entry.version) == ("churn", "1")
    assert [v.version for v in fake.model_versions("churn")] == [1]
