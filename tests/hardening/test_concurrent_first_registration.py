"""Workers of a sweep register the first versions of one model at the same time: whoever
creates the registered model first, the others go on with it instead of failing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dependency_injector import providers
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

from hokusai import ModelRegistry
from hokusai.backends.mlflow_store import make_mlflow_client
from hokusai.container import Container
from tests.conftest import KEYS


class AnotherWorkerFirst:
    """The real client; another worker creates the registered model just after our look."""

    def __init__(self, uri: str) -> None:
        self._client = make_mlflow_client(uri)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_registered_model(self, name: str) -> Any:
        try:
            return self._client.get_registered_model(name)
        except MlflowException:
            self._client.create_registered_model(name)  # the other worker, in between
            raise MlflowException("not found", error_code=RESOURCE_DOES_NOT_EXIST) from None


def test_a_registered_model_created_meanwhile_by_another_worker_is_used(
    fake: Any, sk_model_dir: Path
) -> None:
    container = Container()
    factory: Callable[[str], Any] = AnotherWorkerFirst
    container.mlflow_client_factory.override(providers.Object(factory))
    reg = ModelRegistry(
        fake.tracking_uri, api_key=KEYS["alice"], mode="remote", container=container
    )

    entry = reg.register_model(str(sk_model_dir), "churn", idempotency_key="w-1")

    assert (entry.target, entry.version) == ("remote", "1")
    assert len(fake.model_versions("churn")) == 1
