"""Which types a model saved in MLflow's skops format may load with.

skops loads only the types it is told to trust, and MLflow checks a skops save by loading it
back with the ``skops_trusted_types`` it was given (and records them in the MLmodel file for
every later load). A forest holds ``sklearn.tree._tree.Tree``, a search wrapper its scorer and
splitter: none is trusted by skops on its own, so MLflow 3.18, whose sklearn flavor saves with
skops by default, refuses them unless told. The SDK trusts the types that the model being saved
holds and that its flavor's own packages define (scikit-learn, NumPy, SciPy), found by skops'
own audit of the model as saved; anything else (a user's class or function) is refused, naming
it, because trusting it would let any model file claiming that name run it at load.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from hokusai.errors import InvalidInputError

SKOPS = "skops"
_OTHER_FORMAT = (
    "If you trust this code wherever the model will be loaded, choose another format "
    "explicitly: serialization_format='cloudpickle' (loading the model then runs the pickled "
    "code, and any class it names must be importable there)"
)


def save_options(
    model: object, save_model: Callable[..., Any], chosen: str | None, packages: tuple[str, ...]
) -> dict[str, Any]:
    """The format to save ``model`` in and, for skops, the types it is to be trusted with."""
    fmt = chosen if chosen is not None else default_format(save_model)
    if fmt != SKOPS:
        return {"serialization_format": fmt}
    types = referenced_types(model)
    refused = [name for name in types if name.split(".")[0] not in packages]
    if refused:
        raise InvalidInputError(
            f"The {type(model).__name__} model holds code from outside {', '.join(packages)}: "
            f"{', '.join(refused)}. The skops format loads only types it is told to trust, and "
            "hokusai trusts only those packages' own types, never other code.",
            hint=f"{_OTHER_FORMAT}, or use the libraries' own steps in place of your own.",
        )
    return {"serialization_format": SKOPS, **({"skops_trusted_types": types} if types else {})}


def default_format(save_model: Callable[..., Any]) -> str:
    """The format the flavor saves in when none is given.

    MLflow 3.9 names it in the signature (``"cloudpickle"``); later releases default to
    ``None`` and save with skops (cloudpickle only on Databricks, which is not the registry
    hokusai saves for). Naming the format explicitly keeps the types found here and the format
    the files are written in the same.
    """
    default = inspect.signature(save_model).parameters["serialization_format"].default
    return default if isinstance(default, str) else SKOPS


def referenced_types(model: object) -> list[str]:
    """Every type skops would refuse to load ``model`` with, by ``module.name``."""
    import skops.io

    try:
        dumped = skops.io.dumps(model)
    except Exception as exc:
        raise InvalidInputError(
            f"The skops format cannot hold the {type(model).__name__} model: {exc}",
            hint=f"{_OTHER_FORMAT}.",
        ) from exc
    return sorted(skops.io.get_untrusted_types(data=dumped))
