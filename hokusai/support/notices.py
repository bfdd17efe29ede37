"""What the SDK says, and what it keeps MLflow from saying.

``warn_once``: fallbacks and conflicts are news the first time only.

MLflow logs "Creating initial MLflow database tables..." and "Updating database tables" at INFO,
through its own stderr handler, the first time the SDK opens a local store: news about MLflow's
internals that a user of the SDK cannot act on. :class:`SetupChatterFilter` drops those INFO
records on that one logger, installed once when this module is imported (the SDK imports it
before any store is opened); warnings and errors pass, and so does everything when the
``hokusai`` logger is at DEBUG (``hokusai --debug``, or ``logging.getLogger("hokusai")
.setLevel(logging.DEBUG)``). Levels, handlers and every other logger are left as they are.
"""

from __future__ import annotations

import logging
import threading

_said: set[str] = set()
_lock = threading.Lock()

# The loggers whose INFO records describe MLflow creating or migrating its database schema.
MLFLOW_SETUP_LOGGERS = ("mlflow.store.db.utils", "alembic.runtime.migration")


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


class SetupChatterFilter(logging.Filter):
    """Pass WARNING and above; pass INFO only while the ``hokusai`` logger is at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or logging.getLogger("hokusai").isEnabledFor(
            logging.DEBUG
        )


def _install_setup_filter() -> None:
    for name in MLFLOW_SETUP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SetupChatterFilter) for f in logger.filters):
            logger.addFilter(SetupChatterFilter())


_install_setup_filter()


__all__ = ["MLFLOW_SETUP_LOGGERS", "SetupChatterFilter", "forget_notices", "warn_once"]
