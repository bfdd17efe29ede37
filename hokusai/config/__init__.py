"""Configuration: settings with their sources, and the mode switch."""

from hokusai.config.sources import Setting
from hokusai.config.tracking import (
    DEFAULT_TRACKING_URI,
    Mode,
    TrackingConfig,
    is_loopback,
    resolve_credentials,
)

__all__ = [
    "DEFAULT_TRACKING_URI",
    "Mode",
    "Setting",
    "TrackingConfig",
    "is_loopback",
    "resolve_credentials",
]
