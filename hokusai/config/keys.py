"""The API key chain: where a registry's key comes from, highest priority first.

1. the ``api_key`` argument, or the key of the ``HokusaiAuth`` passed as ``auth``;
2. the process default set by ``hokusai.configure()`` / ``hokusai.setup()``;
3. ``HOKUSAI_API_KEY``, then the legacy ``MLFLOW_TRACKING_TOKEN``;
4. the key ``hokusai login`` stored (OS keyring, else ``$HOKUSAI_HOME/credentials``), for the
   profile named by the ``profile`` argument, else ``HOKUSAI_PROFILE``, else ``default``;
5. the earlier SDK's ``[default] api_key`` in ``$HOKUSAI_HOME/config``: read, warned about as
   deprecated, never written.

``hokusai login`` wins over the legacy file because it is the replacement: a key stored by it is
the newer one.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hokusai.config import credential_store
from hokusai.config.credentials import ApiKey, Credentials
from hokusai.config.home import resolve_home
from hokusai.config.sources import ARGUMENT, Setting, env_source, read_config_file
from hokusai.support.notices import warn_once

logger = logging.getLogger(__name__)

ENV_KEYS = ("HOKUSAI_API_KEY", "MLFLOW_TRACKING_TOKEN")
PROFILE_ENV = "HOKUSAI_PROFILE"
# ModelRegistry(auth=HokusaiAuth(...)) passes the auth's key, with its source, under this name.
AUTH_CREDENTIALS = "auth_credentials"

LegacyKey = tuple[str, Path]


def resolve_home_path(arguments: Mapping[str, object], environ: Mapping[str, str]) -> Path:
    return resolve_home(arguments, environ).value


def _earlier_key(
    arguments: Mapping[str, object],
    environ: Mapping[str, str],
    process: Mapping[str, Setting[Any]] | None,
) -> bool:
    return (
        arguments.get("api_key") is not None
        or arguments.get(AUTH_CREDENTIALS) is not None
        or (process is not None and "api_key" in process)
        or any(environ.get(n, "").strip() for n in ENV_KEYS)
    )


def stored_key(
    arguments: Mapping[str, object],
    environ: Mapping[str, str],
    process: Mapping[str, Setting[Any]] | None = None,
) -> tuple[ApiKey, str] | None:
    """The key ``hokusai login`` stored, read only when no earlier source has one (no keyring
    prompt for nothing)."""
    if _earlier_key(arguments, environ, process):
        return None
    profile = resolve_profile(arguments, environ)
    return credential_store.load_key(resolve_home_path(arguments, environ), profile)


def resolve_profile(arguments: Mapping[str, object], environ: Mapping[str, str]) -> str:
    """Which stored key to use: the ``profile`` argument > ``HOKUSAI_PROFILE`` > ``default``."""
    given = arguments.get("profile")
    if given is not None:
        return credential_store.check_profile(str(given), source="the profile argument")
    raw = environ.get(PROFILE_ENV, "").strip()
    if raw:
        return credential_store.check_profile(raw, source=PROFILE_ENV)
    return credential_store.DEFAULT_PROFILE


def legacy_file_key(
    arguments: Mapping[str, object], environ: Mapping[str, str]
) -> LegacyKey | None:
    """The raw ``[default] api_key`` of ``$HOKUSAI_HOME/config`` and the file's path."""
    path = resolve_home_path(arguments, environ) / "config"
    raw = read_config_file(path).get("api_key", "")
    return (raw, path) if raw.strip() else None


def _legacy_credentials(legacy: LegacyKey) -> Credentials:
    raw, path = legacy
    source = f"api_key in {path} (deprecated)"
    message = (
        f"Reading the API key from api_key in {path}, which is deprecated: run `hokusai login` "
        "to store it safely (OS keyring, or a 0600 file), then delete that line."
    )
    warnings.warn(message, DeprecationWarning, stacklevel=2)
    warn_once(logger, f"legacy-config-key:{path}", "%s", message)
    return Credentials(ApiKey(raw, source=f"api_key in {path}"), source)


def resolve_credentials(
    args: Mapping[str, object],
    env: Mapping[str, str],
    stored: tuple[ApiKey, str] | None,
    process: Mapping[str, Setting[Any]] | None = None,
    legacy: LegacyKey | None = None,
) -> Credentials:
    """The first key of the chain above, with where it came from."""
    given = args.get("api_key")
    if isinstance(given, ApiKey):
        return Credentials(given, ARGUMENT)
    if given is not None:
        return Credentials(ApiKey(str(given), source="the api_key argument"), ARGUMENT)
    from_auth = args.get(AUTH_CREDENTIALS)
    if isinstance(from_auth, Credentials) and from_auth.api_key is not None:
        return from_auth
    default = (process or {}).get("api_key")
    if default is not None and isinstance(default.value, ApiKey):
        return Credentials(default.value, default.source)
    for name in ENV_KEYS:
        raw = env.get(name, "")
        if raw.strip():
            return Credentials(ApiKey(raw, source=name), env_source(name))
    if stored is not None:
        key, where = stored
        return Credentials(key, f"credential store ({where})")
    if legacy is not None:
        return _legacy_credentials(legacy)
    return Credentials.none()
