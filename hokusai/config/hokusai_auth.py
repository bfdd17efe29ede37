"""``HokusaiAuth`` and the process-wide default key (``configure``/``setup``).

The earlier SDK wrote the key into ``MLFLOW_TRACKING_TOKEN``; here the default lives in
``hokusai.config.defaults``, behind a lock, and the environment is never written.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping

from hokusai.config import defaults
from hokusai.config.credentials import ApiKey, Credentials
from hokusai.config.resolution import read_credentials
from hokusai.config.sources import ARGUMENT, Layers, Setting, read_config_file
from hokusai.config.tracking import DEFAULT_API_ENDPOINT, TrackingConfig, resolve_home
from hokusai.errors import ConfigurationError, mask_keys

_NO_AUTH_SERVICE = (
    "hokusai never sends the key to an auth service: the registry checks it on the first call. "
    "To check it now, run `hokusai doctor` or `ModelRegistry().status(probe=True)`."
)


def _warn_auth_service_options(
    auth_service_url: str | None, validate_with_auth_service: bool, environ: Mapping[str, str]
) -> None:
    asked = validate_with_auth_service or environ.get("HOKUSAI_VALIDATE_API_KEY", "").strip()
    if asked and str(asked).lower() not in ("false", "0", "no", "off"):
        warnings.warn(
            f"validate_with_auth_service (HOKUSAI_VALIDATE_API_KEY) is no longer used; "
            f"{_NO_AUTH_SERVICE}",
            DeprecationWarning,
            stacklevel=3,
        )
    if auth_service_url is not None:
        warnings.warn(
            f"auth_service_url is ignored; {_NO_AUTH_SERVICE}", DeprecationWarning, stacklevel=3
        )


class HokusaiAuth:
    """An API key and the platform endpoint it is for, as the earlier SDK's ``HokusaiAuth``.

    ``HokusaiAuth()`` finds the key as a registry would (``HOKUSAI_API_KEY``,
    ``MLFLOW_TRACKING_TOKEN``, ``hokusai login``'s store, the deprecated ``api_key`` in
    ``$HOKUSAI_HOME/config``) and raises ``ConfigurationError`` (a ``ValueError``) when there is
    none. ``api_endpoint`` defaults to ``HOKUSAI_API_ENDPOINT``, then ``api_endpoint`` in the
    config file, then ``https://registry.hokus.ai/api``; its MLflow registry is
    ``{api_endpoint}/mlflow``. Plain http is refused unless the host is this machine.

    ``repr`` shows the key masked; ``api_key`` and ``get_headers()`` hand out the key itself,
    for the caller's own requests.
    """

    def __init__(
        self,
        api_key: str | ApiKey | None = None,
        api_endpoint: str | None = None,
        auth_service_url: str | None = None,
        validate_with_auth_service: bool = False,
    ) -> None:
        environ = os.environ
        _warn_auth_service_options(auth_service_url, validate_with_auth_service, environ)
        self.auth_service_url = auth_service_url
        self.validate_with_auth_service = validate_with_auth_service
        self._credentials = _credentials(api_key, environ)
        self._endpoint = endpoint_setting(api_endpoint, environ)
        # The same https/loopback rules a registry applies, checked now rather than on first use.
        TrackingConfig.resolve(
            arguments={"api_endpoint": self._endpoint.value, "mode": "remote"},
            environ=environ,
            credentials=self._credentials,
        )

    @property
    def api_key(self) -> str:
        """The key itself (the earlier SDK's attribute): keep it out of logs and files."""
        key = self._credentials.api_key
        assert key is not None
        return key.reveal()

    @property
    def key(self) -> ApiKey:
        """The key as an ``ApiKey``: masked wherever it is printed."""
        key = self._credentials.api_key
        assert key is not None
        return key

    @property
    def credentials(self) -> Credentials:
        """The key and where it was found."""
        return self._credentials

    @property
    def api_endpoint(self) -> str:
        return self._endpoint.value

    @property
    def api_endpoint_setting(self) -> Setting[str]:
        """The endpoint and where it came from (``argument`` when passed explicitly)."""
        return self._endpoint

    @property
    def user_id(self) -> str | None:
        """Always ``None``: the earlier SDK filled it from the auth service, which is not called."""
        return None

    @property
    def scopes(self) -> list[str] | None:
        """Always ``None``, as ``user_id``."""
        return None

    def get_headers(self) -> dict[str, str]:
        """Headers for the caller's own requests to ``api_endpoint`` (they hold the key)."""
        from hokusai.support.distribution import installed_version

        return {
            "Authorization": f"Bearer {self.api_key}",
            "Content-Type": "application/json",
            "User-Agent": f"hokusai-ml-platform/{installed_version()}",
        }

    def __repr__(self) -> str:
        return (
            f"HokusaiAuth(api_key={self.key.masked!r}, "
            f"api_endpoint={mask_keys(self.api_endpoint)!r}, "
            f"key_source={self._credentials.source!r})"
        )


def endpoint_setting(api_endpoint: str | None, environ: Mapping[str, str]) -> Setting[str]:
    """The platform endpoint: the argument, ``HOKUSAI_API_ENDPOINT``, ``api_endpoint`` in
    ``$HOKUSAI_HOME/config``, else the default; with where it came from."""
    home = resolve_home({}, environ).value
    layers = Layers(
        {"api_endpoint": api_endpoint}, environ, read_config_file(home / "config"), home / "config"
    )
    return layers.pick(
        argument="api_endpoint",
        env=("HOKUSAI_API_ENDPOINT",),
        file_key="api_endpoint",
        parse=lambda raw, _src: raw.strip().rstrip("/"),
        default=DEFAULT_API_ENDPOINT,
    )


def _credentials(api_key: str | ApiKey | None, environ: Mapping[str, str]) -> Credentials:
    if api_key is not None:
        given = api_key if isinstance(api_key, ApiKey) else ApiKey(api_key, source="api_key")
        return Credentials(given, ARGUMENT)
    found = read_credentials({}, environ)
    if found.api_key is None:
        raise ConfigurationError(
            "No API key found for HokusaiAuth.",
            hint="Pass api_key=..., set HOKUSAI_API_KEY, or run `hokusai login`.",
        )
    return found


def _install(auth: HokusaiAuth, call: str) -> None:
    source = (
        call
        if auth.credentials.source == ARGUMENT
        else (f"{call} (key from {auth.credentials.source})")
    )
    explicit = auth.api_endpoint_setting.source == ARGUMENT
    defaults.update(
        source,
        owner=auth,
        api_key=auth.key,
        api_endpoint=auth.api_endpoint if explicit else None,
    )


def configure(
    api_key: str | ApiKey | None,
    api_endpoint: str | None = None,
    auth_service_url: str | None = None,
    validate_with_auth_service: bool = False,
) -> None:
    """Make ``api_key`` (and ``api_endpoint``) the default of every ``ModelRegistry`` built
    afterwards in this process.

    A registry's own ``api_key``/``auth``/``api_endpoint``/``tracking_uri`` arguments win over
    it; it wins over ``HOKUSAI_API_KEY``, ``HOKUSAI_API_ENDPOINT`` and ``hokusai login``'s key.
    Nothing is written to ``os.environ`` and no request is made. ``auth_service_url`` and
    ``validate_with_auth_service`` are accepted for the earlier SDK's callers and ignored, with a
    ``DeprecationWarning``.
    """
    _install(
        HokusaiAuth(api_key, api_endpoint, auth_service_url, validate_with_auth_service),
        "hokusai.configure()",
    )


def setup(
    api_key: str | ApiKey | None,
    api_endpoint: str | None = None,
    auth_service_url: str | None = None,
    validate_with_auth_service: bool = False,
) -> None:
    """The same as ``configure`` (the earlier SDK's alias)."""
    _install(
        HokusaiAuth(api_key, api_endpoint, auth_service_url, validate_with_auth_service),
        "hokusai.setup()",
    )


def get_global_auth() -> HokusaiAuth | None:
    """The ``HokusaiAuth`` that ``configure``/``setup`` installed, while its key is the default."""
    current = defaults.current()
    owner = current.owner if current is not None else None
    return owner if isinstance(owner, HokusaiAuth) else None


__all__ = ["HokusaiAuth", "configure", "endpoint_setting", "get_global_auth", "setup"]
