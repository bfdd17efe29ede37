"""Configuration: settings with their sources, the mode switch, the process default, and the
earlier SDK's setup functions (``setup_mlflow_auth``, ``setup_mlflow``, ...)."""

from hokusai.config.defaults import clear as clear_defaults
from hokusai.config.keys import resolve_credentials
from hokusai.config.mlflow_auth import MLflowAuthConfig, get_mlflow_auth_status, setup_mlflow_auth
from hokusai.config.mlflow_setup import (
    MLflowSetup,
    ensure_mlflow_configured,
    get_mlflow_config,
    get_mlflow_status,
    setup_mlflow,
)
from hokusai.config.sources import Setting
from hokusai.config.tracking import (
    DEFAULT_API_ENDPOINT,
    DEFAULT_TRACKING_URI,
    Mode,
    TrackingConfig,
    is_loopback,
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
