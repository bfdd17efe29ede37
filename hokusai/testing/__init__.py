"""Test doubles for code that uses hokusai: an in-memory registry and a fake registry server.

- ``MockRegistryBackend``: what ``HOKUSAI_MLFLOW_MODE=mock`` uses; no MLflow, no network.
- ``FakeRegistryServer``: a stateful fake of the hosted registry (MLflow REST API behind the
  Hokusai proxy), on ``responses``; real ``MlflowClient`` code runs against it in-process.
- The pytest plugin (installed with the package) provides the ``fake_registry`` fixture.
"""

from __future__ import annotations

from typing import Any

from hokusai.testing.mock_registry import MockRegistryBackend

_LAZY = {
    "FakeRegistryServer": "hokusai.testing.fake_server",
    "Fault": "hokusai.testing.faults",
    "KeyGrant": "hokusai.testing.proxy_rules",
    "load_keys": "hokusai.testing.proxy_rules",
}


def __getattr__(name: str) -> Any:
    # The fake server needs `responses`, a test-only dependency: load it only when asked for.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hokusai.testing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = ["FakeRegistryServer", "Fault", "KeyGrant", "MockRegistryBackend", "load_keys"]
