"""The flavors suite: each framework's model registered on the real server, loaded, predicting.

It needs the frameworks (the ``flavors`` nox session installs them), so it runs only when asked
for by marker (``pytest -m flavors``); any other run deselects it rather than failing or skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# No model hub: the Transformers model is built from a config in the test.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Keras 3 runs on the torch backend here (TensorFlow is not installed by the session).
os.environ.setdefault("KERAS_BACKEND", "torch")

from tests.integration.conftest import live_server, real_server

HERE = Path(__file__).resolve().parent

__all__ = ["live_server", "real_server"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mine = [item for item in items if HERE in Path(str(item.path)).resolve().parents]
    for item in mine:
        item.add_marker(pytest.mark.flavors)
    if "flavors" not in (config.option.markexpr or ""):
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]
