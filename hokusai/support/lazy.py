"""Module attributes that import their module on first access (PEP 562)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that loads ``name`` from ``where[name]`` when first asked for.

    Keeps ``import hokusai`` from importing MLflow (~1.4 s) and ``hokusai.testing`` from
    importing ``responses`` (a test-only dependency) before anything needs them.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
