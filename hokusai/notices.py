"""Say a thing once per process: fallbacks and conflicts are news the first time only."""

from __future__ import annotations

import logging
import threading

_said: set[str] = set()
_lock = threading.Lock()


def warn_once(logger: logging.Logger, key: str, message: str, *args: object) -> bool:
    """Log ``message`` at WARNING the first time ``key`` is seen; True when it was logged."""
    with _lock:
        if key in _said:
            return False
        _said.add(key)
    logger.warning(message, *args)
    return True


def forget_notices() -> None:
    """For tests: make every notice new again."""
    with _lock:
        _said.clear()
