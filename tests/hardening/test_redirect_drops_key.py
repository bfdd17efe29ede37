"""A redirect never carries the key out of the registry's path.

``requests`` drops ``Authorization`` only when a redirect changes the host; a redirect to
another path on the same host (``/api/mlflow/...`` -> ``/admin/...``) kept it, though the key
belongs to the registry mount alone (docs/security.md). The SDK's own transport does not follow
redirects at all (a typed error names the redirect); MLflow's own client, which a user's code
may point at a bound registry, follows them, and the key is dropped on any hop that leaves the
mount. The fake answers with a scripted 302.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from mlflow import MlflowClient

from hokusai import ModelRegistry
from hokusai.errors import RegistryUnavailableError
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

SEARCH = "/api/2.0/mlflow/registered-models/search"
OUTSIDE = [
    "https://registry.hokus.ai/admin/export",  # same origin, outside the mount
    "/elsewhere" + SEARCH,  # relative, same origin, another path prefix
    "https://registry.hokus.ai/api/mlflowx" + SEARCH,  # a look-alike prefix
]


def _redirect(fake: Any, location: str) -> ModelRegistry:
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    fake.inject(Fault.status(302, headers={"Location": location}), path="registered-models/search")
    return registry


@pytest.mark.parametrize("location", OUTSIDE)
def test_the_sdk_does_not_follow_a_redirect_and_says_so(fake: Any, location: str) -> None:
    registry = _redirect(fake, location)
    with pytest.raises(RegistryUnavailableError, match="redirect"):
        registry.client.search_registered_models()
    assert fake.requests[1:] == []


@pytest.mark.parametrize("location", OUTSIDE)
def test_mlflow_following_a_redirect_out_of_the_mount_drops_the_key(
    fake: Any, location: str
) -> None:
    registry = _redirect(fake, location)
    # Where the redirect leads may answer anything; whether the key went along is the point.
    with registry, contextlib.suppress(Exception):
        MlflowClient(fake.tracking_uri).search_registered_models()
    after = fake.requests[1:]
    assert after, "MLflow's client did not follow the redirect"
    assert [r.key_presented for r in after] == [False] * len(after)


def test_mlflow_following_a_redirect_within_the_mount_keeps_the_key(fake: Any) -> None:
    registry = _redirect(fake, fake.tracking_uri + SEARCH + "?max_results=5")
    with registry:
        MlflowClient(fake.tracking_uri).search_registered_models()
    assert [(r.path, r.key_presented, r.user) for r in fake.requests[1:]] == [
        ("/api/mlflow" + SEARCH, True, "alice")
    ]
