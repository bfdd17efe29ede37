"""Bounded HTTP behaviour for MLflow's client while the SDK is using it.

MLflow reads its retry and timeout settings from the environment on every request, and its
defaults retry for minutes (and retry POSTs, which can create a model version twice). While any
SDK operation runs, the process sees ``MLFLOW_HTTP_REQUEST_MAX_RETRIES=0`` and a bounded
``MLFLOW_HTTP_REQUEST_TIMEOUT``: a failed step fails fast, and the SDK falls back or raises,
with the idempotency key making a later retry or sync safe. A value the user set explicitly is
left alone. Outside SDK calls the environment is as the user left it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_installed: dict[str, str] = {}


def _bounds(timeout: float) -> dict[str, str]:
    return {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(max(1, round(timeout))),
        # MLflow prints a "View run" link to stdout after each run, costing a request, and on
        # this registry the link points at the API mount, not at a page a user can open.
        "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
    }


@contextmanager
def bounded_requests(timeout: float) -> Iterator[None]:
    global _depth
    with _lock:
        if _depth == 0:
            for name, value in _bounds(timeout).items():
                if name not in os.environ:
                    os.environ[name] = value
                    _installed[name] = value
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for name, value in _installed.items():
                    if os.environ.get(name) == value:
                        del os.environ[name]
                _installed.clear()
