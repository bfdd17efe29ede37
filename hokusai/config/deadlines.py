"""The retry deadline setting (``HOKUSAI_RETRY_DEADLINE``): its default, its bounds, its parsing."""

from __future__ import annotations

from hokusai.errors import ConfigurationError

DEFAULT_RETRY_DEADLINE = 120.0
MAX_RETRY_DEADLINE = 3600.0


def parse_deadline(raw: str, *, name: str) -> float:
    """A retry deadline in seconds: 0 (no retries) up to MAX_RETRY_DEADLINE."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_RETRY_DEADLINE:
        raise ConfigurationError(
            f"{name}={raw!r} must be a number of seconds between 0 (no retries) and "
            f"{MAX_RETRY_DEADLINE:g}."
        )
    return value


__all__ = ["DEFAULT_RETRY_DEADLINE", "MAX_RETRY_DEADLINE", "parse_deadline"]
