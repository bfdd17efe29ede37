"""Test doubles: the mock registry, the fake registry server and its pytest plugin.
May import: ``hokusai.flavors`` and the layers below it.

Test doubles for code that uses hokusai: an in-memory registry and a fake registry server.

- ``MockRegistryBackend``: what ``HOKUSAI_MLFLOW_MODE=mock`` uses; no MLflow, no network.
- ``FakeRegistryServer``: a stateful fake of the hosted registry (MLflow REST API behind the
  Hokusai proxy), on ``responses``; real ``MlflowClient`` code runs against it in-process.
  It also plays the data pipeline API's registration-event route (``EventLimit``,
  ``srv.registration_events``).
- The pytest plugin (installed with the package) provides the ``fake_registry`` fixture.
"""

from __future__ import annotations

from hokusai.support.lazy import lazy_attributes
from hokusai.testing.mock_registry import MockRegistryBackend

# The fake server needs `responses`, a test-only dependency: load it only when asked for.
__getattr__ = lazy_attributes(
    __name__,
    {
        "FakeRegistryServer": "hokusai.testing.fake_server",
        "EventLimit": "hokusai.testing.fake_events",
        "Fault": "hokusai.testing.faults",
        "KeyGrant": "hokusai.testing.proxy_rules",
        "load_keys": "hokusai.testing.proxy_rules",
    },
)

__all__ = [
    "EventLimit",
    "FakeRegistryServer",
    "Fault",
    "KeyGrant",
    "MockRegistryBackend",
    "load_keys",
]
