"""The registry a command works with: ``ModelRegistry()`` plus the command line's ``--profile``.

The profile travels as a container argument, not through ``os.environ``, so ``main()`` called
twice in one process (a notebook, the tests) does not carry one call's profile into the next.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hokusai.container import Container
    from hokusai.registry import ModelRegistry


def arguments(args: argparse.Namespace) -> dict[str, object]:
    """The ModelRegistry arguments the global options stand for."""
    return {"profile": args.profile} if args.profile is not None else {}


def container(args: argparse.Namespace) -> Container:
    from hokusai.container import Container

    wiring = Container()
    given = arguments(args)
    if given:
        wiring.arguments.override(given)
    return wiring


def open_registry(args: argparse.Namespace, **kwargs: Any) -> ModelRegistry:
    from hokusai.registry import ModelRegistry

    return ModelRegistry(container=container(args), **kwargs)
