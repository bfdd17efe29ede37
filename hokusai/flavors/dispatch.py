"""Which flavor a model object is, decided from its class names alone (no framework imported)."""

from __future__ import annotations

from hokusai.errors import InvalidInputError
from hokusai.flavors.table import FLAVORS, Flavor


def class_names(obj: object) -> frozenset[str]:
    """``module.qualname`` of every class in the object's MRO.

    A framework's classes can only be there if the framework is already imported, so matching
    on them never imports one the user does not have.
    """
    return frozenset(f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__)


def flavor_of(obj: object) -> Flavor:
    """The first row of ``FLAVORS`` that ``obj`` belongs to; InvalidInputError if none."""
    names = class_names(obj)
    for flavor in FLAVORS:
        if flavor.matches(names):
            return flavor
    raise InvalidInputError(
        f"Cannot register a {type(obj).__module__}.{type(obj).__qualname__}: it is not a model "
        f"hokusai knows how to save. Accepted: {accepted()}.",
        hint="Or save it yourself with mlflow.<flavor>.save_model(model, path) and pass the path.",
    )


def accepted() -> str:
    """Everything ``register_model`` takes as a model, for error messages and docs."""
    objects = "; ".join(f.label for f in FLAVORS)
    return f"{objects}; an MLflow model directory (with an MLmodel file); a runs:/ or models:/ URI"
