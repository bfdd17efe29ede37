"""The MLflow versions this SDK supports, and the check that the installed one is among them.

The floor is the platform's own server pin (``mlflow==3.9.0`` in the platform's
``Dockerfile.mlflow``): a project pinned to the server's version can install the SDK. There is
no upper bound in the package's requirements, because no test has shown a newer release to
break; instead the parts of MLflow that are not public API are checked, by name, when the SDK
loads them (``hokusai.mlflow_internals``), and a newer major version than any tested gets a
warning here.
"""

from __future__ import annotations

import re
import warnings
from functools import cache

from hokusai.errors import UnsupportedMlflowError

FLOOR = "3.9.0"
# The newest release CI has run (docs/compatibility.md); the `tests-newest` session follows
# whatever is newest, this only names it in messages.
NEWEST_TESTED = "3.18.0"
_FIRST_UNTESTED_MAJOR = 4
# mlflow-skinny first: the full `mlflow` depends on it at the same version, and the SDK only
# needs the client that it holds.
_DISTRIBUTIONS = ("mlflow-skinny", "mlflow")


class UntestedMlflowWarning(UserWarning):
    """The installed MLflow is a newer major version than any this SDK was tested with."""


def release(version: str) -> tuple[int, ...]:
    """``"3.18.0rc1"`` -> ``(3, 18, 0)``: the numeric release, without pre/post/dev parts."""
    numbers = re.match(r"\s*v?(\d+(?:\.\d+)*)", version)
    return tuple(int(part) for part in numbers.group(1).split(".")) if numbers else ()


@cache
def installed() -> tuple[str, str] | None:
    """(distribution, version) of the installed MLflow client, or None when there is none."""
    from importlib.metadata import PackageNotFoundError, version

    for distribution in _DISTRIBUTIONS:
        try:
            return distribution, version(distribution)
        except PackageNotFoundError:
            continue
    return None


def supported_range() -> str:
    return f"MLflow {FLOOR} or newer (tested up to {NEWEST_TESTED})"


def check(found: tuple[str, str] | None = None) -> None:
    """Raise ``UnsupportedMlflowError`` below the floor; warn (once) on an untested major.

    ``found`` defaults to what is installed.
    """
    found = found or installed()
    if found is None:
        raise UnsupportedMlflowError(
            "hokusai needs MLflow's client, and neither mlflow-skinny nor mlflow is installed.",
            hint=f"pip install 'mlflow-skinny>={FLOOR}'",
        )
    distribution, version = found
    if release(version) < release(FLOOR):
        raise UnsupportedMlflowError(
            f"hokusai needs MLflow {FLOOR} or newer; {distribution} {version} is installed.",
            hint=f"pip install -U '{distribution}>={FLOOR}' (the platform's registry runs "
            f"MLflow {FLOOR}).",
        )
    if release(version)[:1] >= (_FIRST_UNTESTED_MAJOR,):
        warnings.warn(
            f"{distribution} {version} is a newer major version of MLflow than hokusai was "
            f"tested with ({supported_range()}); registration may fail. If it does, "
            f"pip install '{distribution}<{_FIRST_UNTESTED_MAJOR}'.",
            UntestedMlflowWarning,
            stacklevel=3,
        )


def describe() -> str:
    """``"mlflow-skinny 3.18.0"``, for error messages."""
    found = installed()
    return f"{found[0]} {found[1]}" if found else "no MLflow"


__all__ = [
    "FLOOR",
    "NEWEST_TESTED",
    "UntestedMlflowWarning",
    "check",
    "describe",
    "installed",
    "release",
    "supported_range",
]
