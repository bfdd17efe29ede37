"""The earlier SDK's ``setup_mlflow_auth``, ``MLflowAuthConfig`` and ``get_mlflow_auth_status``.

They used to write the token (and basic-auth password) into ``MLFLOW_TRACKING_*`` environment
variables, where every child process and every MLflow server the process talked to could see
them. Here the token becomes hokusai's process default key, as ``hokusai.configure(token)``,
which a registry sends only to its own URI; nothing is written to the environment.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hokusai.config import defaults
from hokusai.config.credentials import ApiKey
from hokusai.config.sources import Setting
from hokusai.earlier.mlflow_setup import probe_error, status_with
from hokusai.errors import AuthenticationError, mask_keys

if TYPE_CHECKING:
    from hokusai.config.tracking import TrackingConfig

SETUP_MLFLOW_AUTH = "hokusai.config.setup_mlflow_auth()"
_UNSUPPORTED = (
    "insecure_tls",
    "aws_sigv4",
    "client_cert_path",
    "client_key_path",
    "ca_bundle_path",
)


def _default_config() -> TrackingConfig:
    from hokusai.container import Container

    config: TrackingConfig = Container().tracking_config()
    return config


class MLflowAuthConfig:
    """The registry and token ``setup_mlflow_auth`` was given (or would use).

    ``token`` is the API key itself; ``repr`` shows it masked. Basic auth and the TLS options
    are not used: the Hokusai registry takes the API key as a bearer token, and TLS follows
    ``REQUESTS_CA_BUNDLE`` like every ``requests`` call.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        insecure_tls: bool = False,
        aws_sigv4: bool = False,
        client_cert_path: str | None = None,
        client_key_path: str | None = None,
        ca_bundle_path: str | None = None,
    ) -> None:
        options: dict[str, object] = {
            "insecure_tls": insecure_tls,
            "aws_sigv4": aws_sigv4,
            "client_cert_path": client_cert_path,
            "client_key_path": client_key_path,
            "ca_bundle_path": ca_bundle_path,
        }
        _warn_unused(username, password, options)
        resolved = None if tracking_uri and token else _default_config()
        self.tracking_uri: str = tracking_uri or (resolved.remote_uri.value if resolved else "")
        self.username = username
        self._password = ApiKey(password, source="password") if password else None
        self._token: ApiKey | None = (
            ApiKey(token, source="the token argument")
            if token
            else (resolved.api_key if resolved else None)
        )
        self.insecure_tls = insecure_tls
        self.aws_sigv4 = aws_sigv4
        self.client_cert_path = client_cert_path
        self.client_key_path = client_key_path
        self.ca_bundle_path = ca_bundle_path

    @property
    def token(self) -> str | None:
        return self._token.reveal() if self._token else None

    @property
    def password(self) -> str | None:
        return self._password.reveal() if self._password else None

    def configure_environment(self) -> None:
        """Does nothing: it used to write the token into ``MLFLOW_TRACKING_TOKEN``."""
        warnings.warn(
            "MLflowAuthConfig.configure_environment() no longer writes MLFLOW_TRACKING_* "
            "variables: the key would reach every child process and every MLflow server. "
            "Use hokusai.configure(api_key) or ModelRegistry(api_key=...).",
            DeprecationWarning,
            stacklevel=2,
        )

    def get_auth_headers(self) -> dict[str, str]:
        """``Authorization: Bearer <token>`` for the caller's own requests to the registry."""
        return {"Authorization": f"Bearer {self.token}"} if self._token else {}

    def is_remote_tracking(self) -> bool:
        return urlsplit(self.tracking_uri).scheme in ("http", "https")

    def validate_connection(self) -> bool:
        """One bounded, authenticated request to the registry: True when it accepts the key."""
        status = status_with(self._as_process_default())
        return status.target == "remote" and status.configured

    def _as_process_default(self) -> dict[str, Setting[Any]]:
        current = defaults.current()
        values: dict[str, Setting[Any]] = dict(current.values) if current else {}
        values["tracking_uri"] = Setting(self.tracking_uri, SETUP_MLFLOW_AUTH)
        if self._token is not None:
            values["api_key"] = Setting(self._token, SETUP_MLFLOW_AUTH)
        return values

    def __repr__(self) -> str:
        token = self._token.masked if self._token else None
        return f"MLflowAuthConfig(tracking_uri={mask_keys(self.tracking_uri)!r}, token={token!r})"


def _warn_unused(username: str | None, password: str | None, options: dict[str, object]) -> None:
    if username or password:
        warnings.warn(
            "MLflow username/password are not used: the Hokusai registry takes the API key as a "
            "bearer token. Pass token=<your API key> (or run `hokusai login`).",
            UserWarning,
            stacklevel=4,
        )
    given = [name for name in _UNSUPPORTED if options.get(name)]
    if given:
        warnings.warn(
            f"{', '.join(given)} are not used by hokusai: TLS follows REQUESTS_CA_BUNDLE and "
            "certificate checks cannot be turned off.",
            UserWarning,
            stacklevel=4,
        )


def setup_mlflow_auth(
    tracking_uri: str | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    validate: bool = True,
    **kwargs: Any,
) -> MLflowAuthConfig:
    """Make ``token`` (and ``tracking_uri``) the process default, as ``hokusai.configure()``.

    With ``validate`` (the default) and an http(s) registry, one bounded request checks the key
    first and the typed error is raised (``AuthenticationError`` for 401, ...; they are also
    ``MLflowAuthenticationError``); nothing is installed then.
    """
    warnings.warn(
        "hokusai.config.setup_mlflow_auth() no longer writes MLFLOW_TRACKING_* variables or sets "
        "MLflow's global tracking URI: it sets hokusai's process default. Use "
        "hokusai.configure(api_key) or ModelRegistry(tracking_uri, api_key).",
        DeprecationWarning,
        stacklevel=2,
    )
    config = MLflowAuthConfig(tracking_uri, username, password, token, **kwargs)
    process = config._as_process_default()
    if validate and config.is_remote_tracking():
        _validate(process, config)
    elif validate or tracking_uri:
        status_with(process, probe=False)  # a setting that cannot work raises here
    given: dict[str, object] = {"tracking_uri": tracking_uri}
    if token:
        given["api_key"] = process["api_key"].value
    defaults.update(SETUP_MLFLOW_AUTH, **{k: v for k, v in given.items() if v is not None})
    return config


def _validate(process: dict[str, Setting[Any]], config: MLflowAuthConfig) -> None:
    if "api_key" not in process:
        raise AuthenticationError.missing_key(config.tracking_uri)
    error = probe_error(process)
    if error is not None:
        raise error


def get_mlflow_auth_status() -> dict[str, Any]:
    """Which registry and key a default ``ModelRegistry()`` would use (no request is made)."""
    config = _default_config()
    uses_remote = config.mode.value.uses_remote
    uri = config.remote_uri.shown if uses_remote else config.local_uri.shown
    return {
        "tracking_uri": uri,
        "auth_type": "token" if config.api_key else "none",
        "is_remote": uses_remote,
        "is_configured": config.api_key is not None,
        "key_source": config.credentials.source,
        "masked_key": config.credentials.masked,
    }


__all__ = ["MLflowAuthConfig", "get_mlflow_auth_status", "setup_mlflow_auth"]
