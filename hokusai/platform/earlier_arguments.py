"""The earlier SDK's argument names, resolved to this one's, with a warning for superseded ones."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from hokusai.errors import InvalidInputError


def superseded(old: str, new: str, where: str) -> None:
    warnings.warn(
        f"{where}({old}=...) is deprecated: pass {new}=... instead.",
        DeprecationWarning,
        stacklevel=4,
    )


def one_of(
    new_value: Any, old_value: Any, *, new: str, old: str, where: str, required: bool = True
) -> Any:
    """The value given under the current name or the earlier one; both must agree."""
    if old_value is not None:
        superseded(old, new, where)
        if new_value is not None and new_value != old_value:
            raise InvalidInputError(
                f"{where}() got {new}={new_value!r} and {old}={old_value!r}; {old} is the "
                f"earlier name of {new}, so pass {new} only."
            )
        return old_value
    if new_value is None and required:
        raise InvalidInputError(f"{where}() needs {new}= (the earlier SDK called it {old}=).")
    return new_value


def forwarded(
    kwargs: Mapping[str, Any], target: Callable[..., Any], *, where: str
) -> dict[str, Any]:
    """``kwargs`` checked against the keyword arguments ``target`` accepts, before any request.

    The earlier SDK ignored keyword arguments it did not know; a misspelt option silently doing
    nothing is worse than an error that names the accepted ones.
    """
    accepted = [
        p.name
        for p in inspect.signature(target).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise InvalidInputError(
            f"{where}() got unexpected keyword argument(s) {', '.join(unknown)}. It accepts "
            f"those of register_model: {', '.join(accepted)}."
        )
    return dict(kwargs)
