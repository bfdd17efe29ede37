"""Cross-process locks on files under HOKUSAI_HOME, the same on Linux, macOS and Windows.

``filelock`` uses ``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows; either way the OS
frees the lock when the holding process dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from hokusai.errors import LocalStoreError
from hokusai.support.private_dirs import make_private_dirs

if TYPE_CHECKING:
    from filelock import FileLock


def _lock(path: Path) -> FileLock:
    # Imported when a lock is taken: reading the pending records (`hokusai status`) takes none,
    # and filelock costs tens of milliseconds at start.
    from filelock import FileLock

    # thread_local=False: a lock is taken and released by one call, whichever thread runs it.
    return FileLock(str(path), thread_local=False)


def try_lock(path: Path) -> FileLock | None:
    """The lock at ``path``, taken now, or None when another process holds it."""
    from filelock import Timeout

    lock = _lock(path)
    try:
        make_private_dirs(path.parent)
        lock.acquire(timeout=0)
    except Timeout:
        return None
    except OSError as exc:
        raise LocalStoreError(f"Cannot take the lock {path}: {exc}") from exc
    return lock


@contextmanager
def waiting_for(path: Path, *, timeout: float) -> Iterator[None]:
    """Hold the lock at ``path``, waiting up to ``timeout`` seconds for another holder."""
    from filelock import Timeout

    lock = _lock(path)
    try:
        make_private_dirs(path.parent)
        lock.acquire(timeout=timeout)
    except Timeout:
        raise LocalStoreError(
            f"Another process held {path} for over {timeout:.0f} s.",
            hint="Check for a stuck hokusai process using the same HOKUSAI_HOME, then retry.",
        ) from None
    except OSError as exc:
        raise LocalStoreError(f"Cannot take the lock {path}: {exc}") from exc
    try:
        yield
    finally:
        lock.release()
