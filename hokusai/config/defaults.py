"""The process-wide default that ``hokusai.configure()`` and the earlier SDK's setup functions set.

Held in this module, behind a lock, and never in ``os.environ``: the key must not reach child
processes or other MLflow servers. A ``ModelRegistry`` reads it once, when it is built, as the
layer between its own arguments and the environment; a registry already built keeps what it
resolved. Tests reset it with ``clear()`` or ignore it by overriding the container's
``process_defaults`` provider.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hokusai.config.credentials import ApiKey
from hokusai.config.sources import Setting

# The settings the process default can hold, named as ModelRegistry's arguments.
FIELDS = frozenset({"api_key", "api_endpoint", "tracking_uri", "mode"})


@dataclass(frozen=True)
class ProcessDefaults:
    """Settings set in code for every registry built afterwards, each with the call that set it.

    ``owner`` is the ``HokusaiAuth`` that ``configure()`` built, for ``get_global_auth()``.
    """

    values: Mapping[str, Setting[Any]] = field(default_factory=dict)
    owner: object | None = None

    @property
    def api_key(self) -> Setting[ApiKey] | None:
        return self.values.get("api_key")

    def __repr__(self) -> str:
        shown = {name: (s.shown, s.source) for name, s in self.values.items()}
        return f"ProcessDefaults({shown})"


_lock = threading.Lock()
_current: ProcessDefaults | None = None


def current() -> ProcessDefaults | None:
    with _lock:
        return _current


def update(source: str, owner: object | None = None, **values: object) -> ProcessDefaults:
    """Set the given settings (``None`` clears one), keeping the others; returns the result."""
    global _current
    unknown = set(values) - FIELDS
    if unknown:
        raise TypeError(f"not a process default: {', '.join(sorted(unknown))}")
    with _lock:
        merged: dict[str, Setting[Any]] = dict(_current.values) if _current else {}
        for name, value in values.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = Setting(value, source)
        kept_owner = owner if owner is not None else (_current.owner if _current else None)
        if "api_key" in values and owner is None:
            # A key set by another call replaces the one configure()'s HokusaiAuth holds.
            kept_owner = None
        _current = ProcessDefaults(merged, kept_owner) if merged else None
        return _current or ProcessDefaults()


def clear() -> None:
    """Forget every process default (``hokusai.configure()`` and friends)."""
    global _current
    with _lock:
        _current = None
