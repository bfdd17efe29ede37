"""Every framework the session installs: register on the real server, load back, predict."""

from __future__ import annotations

import tempfile
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from packaging.version import Version

from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from hokusai.flavors import Flavor, flavor_of
from tests.flavors.builders import BUILDERS, SKLEARN_BUILDERS, Case, transformers_pipeline


@pytest.fixture
def registry(live_server: RealServer) -> ModelRegistry:
    return ModelRegistry(
        live_server.tracking_uri, api_key=live_server.key_for("alice"), mode="remote"
    )


def round_trip(registry: ModelRegistry, case: Case, **options: Any) -> Any:
    """Register, load back, compare predictions; returns the loaded model."""
    flavor = flavor_of(case.model)
    assert flavor.name == case.flavor
    name = f"{case.flavor}-{uuid.uuid4().hex[:8]}"
    entry = registry.register_model(case.model, name, metrics={"rmse": 0.25}, **options)
    assert entry.target == "remote" and entry.metrics == {"rmse": 0.25}
    assert_pinned(registry, name, entry.version or "", flavor)
    loaded = registry.load_model(name, entry.version or "")
    assert case.flavor in loaded.metadata.flavors
    np.testing.assert_allclose(case.read(loaded.predict(case.sample)), case.expected, rtol=1e-5)
    return loaded


def assert_pinned(registry: ModelRegistry, name: str, version: str, flavor: Flavor) -> None:
    """The saved requirements: the flavor's packages, at the installed releases, installable."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = (registry.download_model(name, version, tmp) / "requirements.txt").read_text()
    pins = dict(line.split("==") for line in lines.split())
    for distribution in flavor.distributions:
        # The public release: torch's "+cpu" build label is no version an index serves.
        assert pins[distribution] == Version(metadata.version(distribution)).public, lines


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_a_model_of_each_framework_predicts_the_same_after_the_round_trip(
    registry: ModelRegistry, builder: str
) -> None:
    round_trip(registry, BUILDERS[builder]())


@pytest.mark.parametrize("builder", sorted(SKLEARN_BUILDERS))
def test_each_common_sklearn_model_predicts_the_same_after_the_round_trip(
    registry: ModelRegistry, builder: str
) -> None:
    # Trees, boosting and the search and calibration wrappers hold types skops must be told
    # to trust (hokusai.flavors.skops_trust).
    round_trip(registry, SKLEARN_BUILDERS[builder]())


def test_a_torch_module_with_an_input_example_is_traced_and_gets_a_signature(
    registry: ModelRegistry,
) -> None:
    case = BUILDERS["torch-module"]()
    loaded = round_trip(registry, case, input_example=case.sample[:2])
    assert loaded.metadata.signature is not None


def test_a_transformers_pipeline_predicts_the_same_after_the_round_trip(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    round_trip(registry, transformers_pipeline(tmp_path))
