"""A redirect out of the registry's path keeps the key only where the registry is.

``requests`` drops ``Authorization`` only when a redirect changes the host; a redirect to
another path on the same host (``/api/mlflow/...`` -> ``/admin/...``) kept it, though the key
belongs to the registry mount alone (docs/security.md). The fake answers with a scripted 302.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

SEARCH = "/api/2.0/mlflow/registered-models/search"


def redirected(fake: Any, location: str) -> list[Any]:
    """Run one MLflow call that the fake redirects to ``location``; the requests after it."""
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    fake.inject(Fault.status(302, headers={"Location": location}), path="registered-models/search")
    # Where the redirect leads may answer anything; whether the key went along is the point.
    with contextlib.suppress(Exception):
        registry.client.search_registered_models()
    return fake.requests[1:]


@pytest.mark.parametrize(
    "location",
    [
        "https://registry.hokus.ai/admin/export",  # same origin, outside the mount
        "/elsewhere" + SEARCH,  # relative, same origin, another path prefix
        "https://registry.hokus.ai/api/mlflowx" + SEARCH,  # a look-alike prefix
    ],
)
def test_a_redirect_out_of_the_registry_path_drops_the_key(fake: Any, location: str) -> None:
    after = redirected(fake, location)
    assert after, "the redirect was not followed"
    assert [r.key_presented for r in after] == [False] * len(after)


def test_a_redirect_within_the_registry_keeps_the_key(fake: Any) -> None:
    after = redirected(fake, fake.tracking_uri + SEARCH + "?max_results=5")
    assert [(r.path, r.key_presented, r.user) for r in after] == [
        ("/api/mlflow" + SEARCH, True, "alice")
    ]
