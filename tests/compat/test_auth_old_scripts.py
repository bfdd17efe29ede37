"""An old-style script, as the earlier SDK's README taught it, in each place a registry can be:
configure the key once, build registries without arguments, catch errors by the old names."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import KEYS

ALICE = KEYS["alice"]


@pytest.fixture(params=["mock", "local", "remote"])
def place(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "mock":
        monkeypatch.setenv("HOKUSAI_MOCK_MODE", "true")
    elif request.param == "local":
        monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "local")
    else:
        request.getfixturevalue("fake")
    return str(request.param)


def test_old_script_configures_once_registers_and_catches_by_old_names(
    place: str, sk_model: Any
) -> None:
    import hokusai
    from hokusai.core.registry import ModelRegistry
    from hokusai.exceptions import HokusaiException, ModelNotFoundError

    hokusai.setup(api_key=ALICE)
    registry = ModelRegistry()
    entry = registry.register_model(sk_model, "churn")
    assert entry.target == place
    assert registry.get_model_version("churn", entry.version).version == entry.version
    with pytest.raises(ModelNotFoundError) as info:
        registry.get_model_version("churn", 99)
    assert isinstance(info.value, HokusaiException)
    assert all(ALICE not in value for value in os.environ.values())
