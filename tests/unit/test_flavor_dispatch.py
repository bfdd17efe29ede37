"""The flavor table's dispatch, with stand-in classes: no framework needed or imported."""

from __future__ import annotations

import sys

import pytest

from hokusai.errors import ConfigurationError, InvalidInputError
from hokusai.flavors import FLAVORS, accepted, flavor_of, staged
from hokusai.flavors.uris import parse


def stand_in(path: str, *bases: type) -> type:
    """A class that claims to be ``path`` (``module.Name``), as a framework's would."""
    module, _, name = path.rpartition(".")
    return type(name, bases or (object,), {"__module__": module})


@pytest.mark.parametrize(
    ("flavor", "class_path"),
    [(f.name, path) for f in FLAVORS for path in f.classes],
)
def test_an_instance_of_a_subclass_of_each_listed_class_goes_to_its_flavor(
    flavor: str, class_path: str
) -> None:
    user_class = type("UsersModel", (stand_in(class_path),), {"__module__": "users_code"})
    loaded_before = set(sys.modules)
    assert flavor_of(user_class()).name == flavor
    # Deciding imported nothing: not the framework, not MLflow's flavor module.
    assert set(sys.modules) == loaded_before


@pytest.mark.parametrize(
    ("bases", "expected"),
    [
        # XGBoost's and LightGBM's estimators are scikit-learn estimators too.
        (("xgboost.sklearn.XGBModel", "sklearn.base.BaseEstimator"), "xgboost"),
        (("lightgbm.sklearn.LGBMModel", "sklearn.base.BaseEstimator"), "lightgbm"),
        # On the torch backend a Keras 3 model is also a torch.nn.Module.
        (("keras.src.models.model.Model", "torch.nn.modules.module.Module"), "keras"),
        # A HokusaiModel that wraps itself in a PythonModel keeps its own save/load.
        (
            ("hokusai.platform.hokusai_model.HokusaiModel", "mlflow.pyfunc.model.PythonModel"),
            "hokusai",
        ),
    ],
)
def test_the_more_specific_framework_wins(bases: tuple[str, ...], expected: str) -> None:
    combined = type("Both", tuple(stand_in(b) for b in bases), {})
    assert flavor_of(combined()).name == expected


def test_a_class_named_like_a_framework_class_but_from_elsewhere_is_not_taken() -> None:
    lookalike = stand_in("my_project.models.BaseEstimator")
    with pytest.raises(InvalidInputError):
        flavor_of(lookalike())


def test_an_unknown_object_is_refused_with_everything_that_is_accepted() -> None:
    with pytest.raises(InvalidInputError) as info:
        flavor_of({"weights": [1, 2, 3]})
    message = str(info.value)
    assert "builtins.dict" in message
    for flavor in FLAVORS:
        assert flavor.label in message
    assert "MLflow model directory" in message and "runs:/" in message and "models:/" in message
    assert accepted() in message


def test_each_flavor_has_one_row_and_each_class_one_flavor() -> None:
    names = [f.name for f in FLAVORS]
    classes = [c for f in FLAVORS for c in f.classes]
    assert len(set(names)) == len(names)
    assert len(set(classes)) == len(classes)


@pytest.mark.parametrize(
    ("uri", "kind", "ref", "name"),
    [
        ("runs:/0123abcd/model", "run", "0123abcd", None),
        ("models:/churn/3", "version", "3", "churn"),
        ("models:/churn/latest", "latest", "latest", "churn"),
        ("models:/churn@production", "alias", "production", "churn"),
        ("models:/m-0123abcd", "logged_model", "m-0123abcd", None),
    ],
)
def test_model_uris_are_read_for_what_they_name(
    uri: str, kind: str, ref: str, name: str | None
) -> None:
    parsed = parse(uri)
    assert (parsed.kind, parsed.ref, parsed.name) == (kind, ref, name)


@pytest.mark.parametrize(
    "uri", ["runs:/", "runs://model", "models:/", "models:/churn", "models:/churn/Production"]
)
def test_a_uri_that_names_nothing_is_refused_by_its_shape(uri: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse(uri)
    assert uri in str(info.value)


def test_a_package_missing_at_save_time_is_named_with_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, sk_model: object
) -> None:
    # scikit-learn without skops: the skops format (MLflow 3.18's default) cannot be written.
    # Named explicitly, as MLflow 3.9 saves with cloudpickle unless told.
    monkeypatch.setitem(sys.modules, "skops", None)
    missing = pytest.raises(ConfigurationError, match="'skops', which is not installed")
    with missing as info, staged(sk_model, serialization_format="skops"):
        pass
    assert "hokusai-ml-platform[sklearn]" in str(info.value)


def test_a_format_for_a_flavor_that_saves_in_one_format_only_is_refused() -> None:
    from mlflow.pyfunc import PythonModel

    class Echo(PythonModel):  # type: ignore[misc]
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            return model_input

    refused = pytest.raises(InvalidInputError, match="serialization_format='cloudpickle'")
    with refused as info, staged(Echo(), serialization_format="cloudpickle"):
        pass
    assert "pyfunc" in str(info.value) and "Leave serialization_format out" in str(info.value)


@pytest.mark.parametrize("takes_the_format", [True, False])
def test_a_format_option_goes_only_to_a_save_model_that_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, takes_the_format: bool
) -> None:
    # MLflow 3.9's pytorch save_model has no serialization_format (it hands **kwargs on to
    # torch.save, which refuses it); later releases take it, and need "pickle" without an
    # input example.
    import types

    seen: dict[str, object] = {}

    def save_with_format(pytorch_model, path, serialization_format=None, **kwargs):  # type: ignore[no-untyped-def]
        seen.update(kwargs, serialization_format=serialization_format)

    def save_without_format(pytorch_model, path, **kwargs):  # type: ignore[no-untyped-def]
        seen.update(kwargs)

    fake = types.ModuleType("mlflow.pytorch")
    fake.save_model = save_with_format if takes_the_format else save_without_format  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mlflow.pytorch", fake)
    module = stand_in("torch.nn.modules.module.Module")

    with staged(module()):
        pass

    if takes_the_format:
        assert seen["serialization_format"] == "pickle"
    else:
        assert "serialization_format" not in seen
