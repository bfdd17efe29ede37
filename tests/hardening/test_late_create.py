"""A version-create that lands after its client gave up must not leave a second version with
the same idempotency key, whether the retry is a sync or the user's own retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dependency_injector import providers

from hokusai import ModelRegistry
from hokusai.backends.mlflow_store import make_mlflow_client
from hokusai.container import Container
from hokusai.errors import RegistryUnavailableError
from hokusai.models import TAG_IDEMPOTENCY_KEY
from hokusai.testing.faults import Fault
from tests.conftest import KEYS


def versions_with_key(fake: Any, name: str, key: str) -> list[int]:
    return sorted(
        v.version for v in fake.model_versions(name) if v.tags.get(TAG_IDEMPOTENCY_KEY) == key
    )


def land_late(fake: Any, name: str, key: str) -> None:
    """What the server does with the create request it received before the client timed out."""
    client = make_mlflow_client(fake.tracking_uri)
    [first] = [v for v in fake.model_versions(name) if v.tags.get(TAG_IDEMPOTENCY_KEY) == key]
    client.create_model_version(
        name,
        first.source,
        run_id=first.run_id or None,
        tags=first.tags,
        model_id=first.model_id or None,
    )


def test_a_late_create_after_a_failed_sync_and_a_second_sync_leaves_one_version(
    fake: Any, sk_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", KEYS["alice"])  # for land_late's plain client
    fake.go_down("refused")
    reg = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    entry = reg.register_model(sk_model, "churn")
    key = str(entry.idempotency_key)
    fake.come_back()

    fake.inject(Fault.timeout(), path=r"model-versions/create")
    first = reg.sync()
    assert first.counts["failed"] == 1
    second = reg.sync()
    assert second.counts["pushed"] == 1
    kept = second.items[0].remote_version

    land_late(fake, "churn", key)  # the first sync's request, applied only now
    assert len(versions_with_key(fake, "churn", key)) == 2

    reg.sync()
    assert versions_with_key(fake, "churn", key) == [int(str(kept))]


def test_the_users_retry_with_the_same_key_keeps_one_version_when_the_first_lands_late(
    fake: Any, sk_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", KEYS["alice"])
    # A stand-in client is used as it is (only an MlflowClient is routed through the
    # registry's transport), so it gets the SDK's no-retry bound here.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    creates: list[dict[str, Any]] = []

    class LateLanding:
        """The real client; the first create's request reaches the server during the second."""

        def __init__(self, uri: str) -> None:
            self._client = make_mlflow_client(uri)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._client, name)

        def create_model_version(self, **kwargs: Any) -> Any:
            creates.append(kwargs)
            if len(creates) == 2:
                late = {**creates[0], "await_creation_for": 0}
                self._client.create_model_version(**late)
            return self._client.create_model_version(**kwargs)

    container = Container()
    factory: Callable[[str], Any] = LateLanding
    container.mlflow_client_factory.override(providers.Object(factory))
    reg = ModelRegistry(
        fake.tracking_uri, api_key=KEYS["alice"], mode="remote", container=container
    )

    fake.inject(Fault.timeout(), path=r"model-versions/create")
    with pytest.raises(RegistryUnavailableError):
        reg.register_model(sk_model, "churn", idempotency_key="nightly-7")
    entry = reg.register_model(sk_model, "churn", idempotency_key="nightly-7")

    assert versions_with_key(fake, "churn", "nightly-7") == [int(str(entry.version))]
