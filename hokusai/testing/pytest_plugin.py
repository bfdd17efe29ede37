"""The ``hokusai`` pytest plugin: a fake Hokusai registry as a fixture.

Installed with the ``hokusai-ml-platform[testing]`` extra and registered through the
``pytest11`` entry point, so the fixture is available without imports::

    def test_register(fake_registry, monkeypatch):
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", ALICE_KEY)
        client = mlflow.MlflowClient(tracking_uri=fake_registry.tracking_uri)
        client.create_registered_model("churn")
        assert "churn" in fake_registry.state.registered_models

Importing this module stays cheap (no mlflow, no responses): pytest loads every installed
plugin in every test session, including sessions that never use the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from hokusai.testing.fake_server import FakeRegistryServer


@pytest.fixture
def fake_registry() -> Iterator[FakeRegistryServer]:
    """A running :class:`~hokusai.testing.fake_server.FakeRegistryServer` with a fresh state.

    It serves ``https://registry.hokus.ai`` with the default keys (``ALICE_KEY``, ``BOB_KEY``,
    ``READER_KEY``, ``OUTSIDER_KEY`` in ``hokusai.testing.fake_server``); add more with
    ``fake_registry.add_key(key, KeyGrant(...))``. It stops when the test ends, and leaves
    nothing behind: keys of registries the test left open are forgotten, MLflow's auth switch
    is restored (see ``FakeRegistryServer.stop``).
    """
    from hokusai.support.notices import forget_notices
    from hokusai.testing.fake_server import FakeRegistryServer

    # Notices are said once per process; each test starts as if none had been said.
    forget_notices()
    with FakeRegistryServer() as server:
        yield server
