"""HOKUSAI_HOME: where the local store, the credentials file and the config file live."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hokusai.config.sources import ARGUMENT, DEFAULT, Setting, env_source


def resolve_home(args: Mapping[str, object], env: Mapping[str, str]) -> Setting[Path]:
    """Always absolute: the local store's artifact location must be a file URI, and a later
    ``chdir`` must not move the store."""
    if args.get("home") is not None:
        return Setting(_absolute(str(args["home"])), ARGUMENT)
    if env.get("HOKUSAI_HOME", "").strip():
        return Setting(_absolute(env["HOKUSAI_HOME"]), env_source("HOKUSAI_HOME"))
    return Setting(_absolute("~/.hokusai"), DEFAULT)


def _absolute(raw: str) -> Path:
    return Path(raw.strip()).expanduser().absolute()


__all__ = ["resolve_home"]
