"""Settings with their sources, the mode switch, the key chain and its store, ``HokusaiAuth``.
May import: ``hokusai.support``, ``hokusai.models``, ``hokusai.errors``.

Configuration: settings with their sources, the mode switch, the process default, and the
earlier SDK's setup functions (``setup_mlflow_auth``, ``setup_mlflow``, ...).
"""

from hokusai.config.defaults import clear as clear_defaults
from hokusai.config.keys import resolve_credentials
from hokusai.config.sources import Setting
from hokusai.config.tracking import (
    DEFAULT_API_ENDPOINT,
    DEFAULT_TRACKING_URI,
    Mode,
    TrackingConfig,
    is_loopback,
)
from hokusai.support.lazy import lazy_attributes

# The earlier SDK's setup functions are built on ModelRegistry, a layer above this one: they are
# found by name on first use, so importing the settings never imports the registry.
__getattr__ = lazy_attributes(
    __name__,
    {
        **dict.fromkeys(
            ["MLflowAuthConfig", "get_mlflow_auth_status", "setup_mlflow_auth"],
            "hokusai.earlier.mlflow_auth",
        ),
        **dict.fromkeys(
            [
                "MLflowSetup",
                "ensure_mlflow_configured",
                "get_mlflow_config",
                "get_mlflow_status",
                "setup_mlflow",
            ],
            "hokusai.earlier.mlflow_setup",
        ),
    },
)

__all__ = [
    "DEFAULT_API_ENDPOINT",
    "DEFAULT_TRACKING_URI",
    "MLflowAuthConfig",
    "MLflowSetup",
    "Mode",
    "Setting",
    "TrackingConfig",
    "clear_defaults",
    "ensure_mlflow_configured",
    "get_mlflow_auth_status",
    "get_mlflow_config",
    "get_mlflow_status",
    "is_loopback",
    "resolve_credentials",
    "setup_mlflow",
    "setup_mlflow_auth",
]
