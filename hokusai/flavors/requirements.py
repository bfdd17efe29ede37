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
from pathlib import Path

# MLflow adds its own pinned requirement to every saved model.
_ADDED_BY_MLFLOW = frozenset({"mlflow", "mlflow-skinny"})


def pinned(distribution: str) -> str:
    """``name==version`` for an installed distribution; the bare name when it is not installed
    (the model needs it where it is loaded, whatever version is there)."""
    try:
        installed = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return distribution
    # A local label ("2.13.0+cpu") names a build no package index serves; pin the release.
    return f"{distribution}=={installed.split('+')[0]}"


def requirements(obj: object, distributions: Iterable[str]) -> list[str]:
    """The flavor's ``distributions`` plus those providing the modules ``obj`` is made of."""
    names = dict.fromkeys(distributions)
    names.update(dict.fromkeys(_distributions_of(_top_modules(obj), tuple(names))))
    return [pinned(name) for name in names if name.lower() not in _ADDED_BY_MLFLOW]


def _top_modules(obj: object) -> list[str]:
    """Top-level modules of the classes of the object and of its attributes (one level deep):
    a Transformers pipeline's model attribute is a ``torch.nn.Module``, so torch is needed."""
    types: list[type] = list(type(obj).__mro__)
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        types.extend(t for value in attributes.values() for t in type(value).__mro__)
    tops = dict.fromkeys(t.__module__.split(".")[0] for t in types)
    return [m for m in tops if m not in sys.stdlib_module_names and _is_plain_package(m)]


def _is_plain_package(name: str) -> bool:
    # Not __main__, and not a namespace package ("google"): those name no one distribution.
    return getattr(sys.modules.get(name), "__file__", None) is not None and name != "__main__"


def _distributions_of(modules: Iterable[str], known: tuple[str, ...]) -> list[str]:
    """The distributions providing ``modules``, looking first where it is cheap: a
    distribution named as the module, then the ``known`` ones' own files, then every
    distribution's ``top_level.txt``."""
    found: list[str] = []
    for module in modules:
        try:
            found.append(importlib.metadata.distribution(module).metadata["Name"])
            continue
        except importlib.metadata.PackageNotFoundError:
            pass
        owners = [name for name in known if module in _top_level_of(name)]
        found.extend(owners or _declared_top_levels().get(module, ()))
    return found


@functools.cache
def _top_level_of(distribution: str) -> list[str]:
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return []
    # Wheels not built by setuptools (scikit-learn's) have no top_level.txt: read the file list.
    return _top_level(dist) or sorted(
        {Path(f.parts[0]).name.split(".")[0] for f in dist.files or () if len(f.parts) > 1}
    )


def _top_level(dist: importlib.metadata.Distribution) -> list[str]:
    return (dist.read_text("top_level.txt") or "").split()


@functools.cache
def _declared_top_levels() -> dict[str, tuple[str, ...]]:
    """Module -> distributions, from each distribution's ``top_level.txt`` (``yaml`` ->
    ``PyYAML``). Unlike ``packages_distributions()`` it never reads the file lists of
    distributions without one (torch's lists tens of thousands of files): seconds of scanning
    would cost as much as the inference this module avoids. Read once per process."""
    mapping: dict[str, list[str]] = {}
    for dist in importlib.metadata.distributions():
        for module in _top_level(dist):
            mapping.setdefault(module, []).append(dist.metadata["Name"])
    return {module: tuple(dict.fromkeys(names)) for module, names in mapping.items()}
