"""This package's installed version, read once and only when asked for."""

from __future__ import annotations

from functools import cache


@cache
def installed_version() -> str:
    # importlib.metadata costs tens of milliseconds, which every `hokusai` command would pay at
    # start if the version were read at import.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hokusai-ml-platform")
    except PackageNotFoundError:  # a source tree on sys.path, never installed
        return "0+unknown"


__all__ = ["installed_version"]
