"""The scikit-learn models users commonly register go in and come back out, on every supported
MLflow: 3.9's sklearn flavor saves with cloudpickle by default, 3.18's with skops, which loads
only the types it is told to trust. The SDK trusts the types of scikit-learn, NumPy and SciPy
that the model holds, and nothing else, unless the user picks another format.
"""

from __future__ import annotations

import tempfile
from typing import Any

import numpy as np
import pytest
import yaml
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from hokusai import ModelRegistry
from hokusai.errors import InvalidInputError
from tests.flavors.builders import FEATURES, LABELS, SKLEARN_BUILDERS, Case, sklearn_random_forest

TRUSTED_PACKAGES = ("sklearn", "numpy", "scipy")


class Doubler(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A user's own step: code skops must not be told to trust on the user's behalf."""

    def fit(self, features: Any, labels: Any = None) -> Doubler:
        return self

    def transform(self, features: Any) -> Any:
        return features * 2


def add_one(features: Any) -> Any:
    return features + 1


def sklearn_flavor(registry: ModelRegistry, name: str, version: str) -> dict[str, Any]:
    """The sklearn section of the version's MLmodel file, as MLflow wrote it."""
    with tempfile.TemporaryDirectory() as tmp:
        text = (registry.download_model(name, version, tmp) / "MLmodel").read_text()
    flavor: dict[str, Any] = yaml.safe_load(text)["flavors"]["sklearn"]
    return flavor


def assert_predicts_the_same(registry: ModelRegistry, name: str, version: str, case: Case) -> None:
    loaded = registry.load_model(name, version)
    np.testing.assert_allclose(case.read(loaded.predict(case.sample)), case.expected)


@pytest.mark.parametrize("serialization_format", [None, "skops"])
@pytest.mark.parametrize("builder", sorted(SKLEARN_BUILDERS))
def test_a_common_sklearn_model_registers_and_loads_back_predicting_the_same(
    builder: str, serialization_format: str | None
) -> None:
    case = SKLEARN_BUILDERS[builder]()
    registry = ModelRegistry(mode="local")
    options = {} if serialization_format is None else {"serialization_format": serialization_format}

    entry = registry.register_baseline(case.model, model_type="churn", **options)

    version = entry.version or ""
    assert_predicts_the_same(registry, "churn", version, case)
    flavor = sklearn_flavor(registry, "churn", version)
    if serialization_format is not None:
        assert flavor["serialization_format"] == serialization_format
    if flavor["serialization_format"] == "skops":
        trusted = flavor.get("skops_trusted_types") or []
        assert all(name.split(".")[0] in TRUSTED_PACKAGES for name in trusted), trusted


def test_a_forest_saved_with_skops_trusts_exactly_the_tree_type_it_holds() -> None:
    registry = ModelRegistry(mode="local")

    entry = registry.register_model(
        sklearn_random_forest().model, "forest", serialization_format="skops"
    )

    flavor = sklearn_flavor(registry, "forest", entry.version or "")
    assert flavor["skops_trusted_types"] == ["sklearn.tree._tree.Tree"]


def test_a_model_with_no_type_to_trust_is_saved_without_a_trusted_list() -> None:
    registry = ModelRegistry(mode="local")
    model = LogisticRegression().fit(FEATURES, LABELS)

    entry = registry.register_model(model, "linear", serialization_format="skops")

    assert not sklearn_flavor(registry, "linear", entry.version or "").get("skops_trusted_types")


@pytest.mark.parametrize(
    ("step", "named"),
    [
        (Doubler(), f"{__name__}.Doubler"),
        (FunctionTransformer(add_one), f"{__name__}.add_one"),
    ],
    ids=["class", "function"],
)
def test_a_users_own_code_in_a_pipeline_is_not_trusted_and_the_error_says_what_to_do(
    step: Any, named: str
) -> None:
    registry = ModelRegistry(mode="local")
    model = make_pipeline(step, sklearn_random_forest().model).fit(FEATURES, LABELS)

    with pytest.raises(InvalidInputError) as info:
        registry.register_baseline(model, model_type="churn", serialization_format="skops")

    text = str(info.value)
    assert named in text and "serialization_format='cloudpickle'" in text
    # The refusal names only what it refuses: scikit-learn's own Tree is trusted.
    assert "sklearn.tree._tree.Tree" not in text
    assert registry.client.search_registered_models() == []


def test_a_users_own_code_registers_once_the_user_chooses_cloudpickle() -> None:
    registry = ModelRegistry(mode="local")
    model = make_pipeline(Doubler(), LogisticRegression()).fit(FEATURES, LABELS)
    case = Case("sklearn", model, FEATURES, model.predict(FEATURES).astype(np.float64))

    entry = registry.register_model(model, "doubled", serialization_format="cloudpickle")

    assert sklearn_flavor(registry, "doubled", entry.version or "")["pickled_model"] == "model.pkl"
    assert_predicts_the_same(registry, "doubled", entry.version or "", case)


def test_an_unknown_format_is_refused_naming_the_ones_there_are() -> None:
    registry = ModelRegistry(mode="local")

    with pytest.raises(InvalidInputError, match="cloudpickle"):
        registry.register_model(
            sklearn_random_forest().model, "forest", serialization_format="joblib"
        )


def test_a_format_for_a_model_already_saved_is_refused(sk_model_dir: Any) -> None:
    registry = ModelRegistry(mode="local")

    with pytest.raises(InvalidInputError, match="serialization_format"):
        registry.register_model(sk_model_dir, "saved", serialization_format="cloudpickle")


def test_an_improved_forest_registers_on_its_baseline_and_loads_back() -> None:
    registry = ModelRegistry(mode="local")
    baseline = registry.register_baseline(sklearn_random_forest().model, model_type="churn")
    case = sklearn_random_forest()

    entry = registry.register_improved_model(
        case.model, baseline.model_id or "", {"accuracy": 0.02}, "0x" + "a" * 40
    )

    assert_predicts_the_same(registry, "churn", entry.version or "", case)
