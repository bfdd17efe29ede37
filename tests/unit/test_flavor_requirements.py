"""Saved models pin what they need from the installed versions, without MLflow's inference."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from hokusai.flavors import staged
from hokusai.flavors.requirements import requirements


def test_a_fitted_estimator_needs_its_framework_and_numpy_at_their_installed_versions(
    sk_model: Any,
) -> None:
    assert requirements(sk_model, ["scikit-learn"]) == [
        f"scikit-learn=={version('scikit-learn')}",
        f"numpy=={version('numpy')}",  # the fitted coefficients are numpy arrays
    ]


def test_the_standard_library_mlflow_and_unknown_packages_are_not_requirements() -> None:
    import mlflow.pyfunc

    class Plain(mlflow.pyfunc.PythonModel):
        def __init__(self) -> None:
            self.when = __import__("datetime").datetime.now()

    assert requirements(Plain(), ["cloudpickle", "no-such-distribution"]) == [
        f"cloudpickle=={version('cloudpickle')}",
        "no-such-distribution",  # not installed here: needed where loaded, any version
    ]


def test_the_saved_model_lists_exactly_those_requirements(sk_model: Any) -> None:
    with staged(sk_model) as source:
        assert source.local_dir is not None
        lines = (source.local_dir / "requirements.txt").read_text().split()
    # MLflow adds itself (as mlflow or mlflow-skinny, whichever is installed).
    assert lines[0].startswith("mlflow")
    # skops: MLflow writes scikit-learn models in its format, and loading them needs it.
    assert lines[1:] == [
        f"scikit-learn=={version('scikit-learn')}",
        f"skops=={version('skops')}",
        f"numpy=={version('numpy')}",
    ]
