"""Input MLflow would refuse is refused before the first request, so nothing is left behind.

Without these checks a registration with a tag key MLflow rejects, or a description that is not
a string, created a run and a logged model and uploaded the files before the registry said no.
"""

from __future__ import annotations

from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.errors import InvalidInputError
from tests.conftest import KEYS

# Keys MLflow's own tag rules (mlflow.utils.validation) refuse: characters outside
# letters/digits/'_-. /:', and names that would resolve to another path.
BAD_TAG_KEYS = ["bad key!", "team$", "../escape", "/absolute", "a//b", "a/./b", "trailing/"]


@pytest.fixture
def registry(fake: Any) -> ModelRegistry:
    return ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")


@pytest.mark.parametrize("key", BAD_TAG_KEYS)
def test_a_tag_key_mlflow_rejects(
    registry: ModelRegistry, fake: Any, sk_model: Any, key: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        registry.register_model(sk_model, "churn", tags={key: "v"})
    assert isinstance(caught.value, ValueError)
    assert repr(key) in caught.value.message and "tags" in caught.value.message
    assert fake.requests == []


@pytest.mark.parametrize("description", [123, b"bytes", ["a list"], {"a": "dict"}])
def test_a_description_that_is_not_a_string(
    registry: ModelRegistry, fake: Any, sk_model: Any, description: object
) -> None:
    with pytest.raises(InvalidInputError, match="description must be a string"):
        registry.register_model(sk_model, "churn", description=description)  # type: ignore[arg-type]
    assert fake.requests == []


def test_a_description_that_is_a_string_is_kept(
    registry: ModelRegistry, fake: Any, sk_model: Any
) -> None:
    registry.register_model(sk_model, "churn", description="Churn model, July data")
    assert fake.model_versions("churn")[0].description == "Churn model, July data"


@pytest.mark.parametrize("uri", ["models:/churn", "models:/", "runs:/", "runs://model"])
def test_a_model_uri_that_names_nothing(registry: ModelRegistry, fake: Any, uri: str) -> None:
    with pytest.raises(InvalidInputError):
        registry.register_model(uri, "churn-copy")
    with pytest.raises(InvalidInputError):
        registry.register_tokenized_model(uri, "churn-copy", "TOK-1", "accuracy", 0.9)
    assert fake.requests == []


def test_updating_tags_with_a_key_mlflow_rejects(registry: ModelRegistry, fake: Any) -> None:
    with pytest.raises(InvalidInputError, match="bad key!"):
        registry.update_model_tags("churn", "1", {"bad key!": "v"})
    assert fake.requests == []
