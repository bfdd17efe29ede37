"""Directories under HOKUSAI_HOME are created readable by their owner only.

The home holds the credentials file, the pending records and the local store: on a shared
machine none of it is anyone else's business. ``mkdir(mode=0o700)`` applies to the directory it
makes; ``parents=True`` would make the missing parents with the default mode, so each missing
level is made here. Existing directories are left as their owner set them. On Windows the mode
is ignored and the user profile's ACL is what protects the home.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path


def make_private_dirs(path: Path) -> Path:
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        with suppress(FileExistsError):  # another process made it meanwhile
            directory.mkdir(mode=0o700)
    return path
