"""The pip requirements of a saved model, pinned from what is installed, without a subprocess.

Left to itself MLflow infers requirements by loading the saved model in a subprocess and
watching its imports (seconds per save). The model's needs are known here: the flavor's
framework, and the installed packages its classes and attributes come from.
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
from collections.abc import Iterable

# MLflow adds its own pinned requirement to every saved model.
_ADDED_BY_MLFLOW = frozenset({"mlflow", "mlflow-skinny"})


def pinned(distribution: str) -> str:
    """``name==version`` for an installed distribution; the bare name when it is not installed
    (the model needs it where it is loaded, whatever version is there)."""
    try:
        return f"{distribution}=={importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return distribution


def requirements(obj: object, distributions: Iterable[str]) -> list[str]:
    """The flavor's ``distributions`` plus those providing the modules ``obj`` is made of."""
    names = dict.fromkeys(distributions)
    names.update(dict.fromkeys(_distributions_of(_top_modules(obj))))
    return [pinned(name) for name in names if name.lower() not in _ADDED_BY_MLFLOW]


def _top_modules(obj: object) -> list[str]:
    """Top-level modules of the object's classes and of its attributes' classes (one level)."""
    types: list[type] = list(type(obj).__mro__)
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        types.extend(type(value) for value in attributes.values())
    tops = (t.__module__.split(".")[0] for t in types)
    return [m for m in dict.fromkeys(tops) if m not in sys.stdlib_module_names and m != "__main__"]


def _distributions_of(modules: Iterable[str]) -> list[str]:
    mapping = _module_distributions()
    found: list[str] = []
    for module in modules:
        found.extend(mapping.get(module, ()))
    return found


@functools.cache
def _module_distributions() -> dict[str, list[str]]:
    # Reading every installed distribution's metadata: done once per process.
    return {k: list(v) for k, v in importlib.metadata.packages_distributions().items()}
