"""The earlier SDK's callers, run as they were written: ``ModelRegistry()`` configured by the
environment they set, in each of the three places a registry can be."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import KEYS

ADDRESS = "0x" + "ab" * 20


@pytest.fixture(params=["mock", "local", "remote"])
def old_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The environment an earlier caller set; ``ModelRegistry()`` then picks the registry.

    mock: ``HOKUSAI_MOCK_MODE=true``; local: no key at all (the local store); remote: a key and
    ``MLFLOW_TRACKING_URI`` pointing at the fake hosted registry.
    """
    if request.param == "mock":
        monkeypatch.setenv("HOKUSAI_MOCK_MODE", "true")
        yield "mock"
        return
    if request.param == "local":
        yield "local"
        return
    fake: Any = request.getfixturevalue("fake")
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fake.tracking_uri)
    yield "remote"
