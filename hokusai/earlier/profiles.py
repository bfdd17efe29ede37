"""The earlier SDK's ``hokusai.auth.config``: ``AuthConfig`` and ``ProfileManager``.

Profiles are the ones ``hokusai login --profile NAME`` keeps: in the OS keyring when one works,
else ``$HOKUSAI_HOME/credentials`` (0600). The earlier ``ProfileManager`` wrote keys in plain
text to ``~/.hokusai/profiles`` and, for ``set_active``, to ``~/.hokusai/config``; neither file
is written any more. A profile holds a key only: its endpoint comes from
``HOKUSAI_API_ENDPOINT`` (or ``api_endpoint=``) as for every registry.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from hokusai.config import credential_store
from hokusai.config.credentials import ApiKey, Credentials
from hokusai.config.hokusai_auth import HokusaiAuth, endpoint_setting
from hokusai.config.resolution import read_credentials
from hokusai.config.sources import ARGUMENT, read_config_file
from hokusai.config.tracking import resolve_home
from hokusai.errors import ConfigurationError

EARLIER_PROFILES_FILE = "profiles"


class AuthConfig:
    """A key and the platform endpoint, found as a registry finds them; the key may be absent
    (``validate()`` says so). ``to_auth()`` gives the ``HokusaiAuth`` a ``ModelRegistry``
    takes."""

    def __init__(
        self, api_key: str | ApiKey | None = None, api_endpoint: str | None = None
    ) -> None:
        environ = os.environ
        if api_key is not None:
            key = api_key if isinstance(api_key, ApiKey) else ApiKey(api_key, source="api_key")
            self._credentials = Credentials(key, ARGUMENT)
        else:
            self._credentials = read_credentials({}, environ)
        self._endpoint = endpoint_setting(api_endpoint, environ)

    @property
    def api_key(self) -> str | None:
        """The key itself, or None: keep it out of logs and files."""
        key = self._credentials.api_key
        return key.reveal() if key is not None else None

    @property
    def api_endpoint(self) -> str:
        return self._endpoint.value

    @classmethod
    def from_file(cls, file_path: str | Path) -> AuthConfig:
        """The ``[default]`` ``api_key`` and ``api_endpoint`` of an ini file."""
        values = read_config_file(Path(file_path))
        return cls(api_key=values.get("api_key") or None, api_endpoint=values.get("api_endpoint"))

    def validate(self) -> None:
        """Raise ``ConfigurationError`` (a ``ValueError``) when there is no key."""
        if self._credentials.api_key is None:
            raise ConfigurationError(
                "No API key found.",
                hint="Set HOKUSAI_API_KEY, or run `hokusai login`.",
            )

    def to_auth(self) -> HokusaiAuth:
        self.validate()
        return HokusaiAuth(self._credentials.api_key, self.api_endpoint)

    def __repr__(self) -> str:
        return f"AuthConfig(api_key={self._credentials.masked}, api_endpoint={self.api_endpoint!r})"


class ProfileManager:
    """Named keys (profiles), stored where ``hokusai login --profile NAME`` stores them."""

    def __init__(self, home: str | Path | None = None) -> None:
        self.home = Path(home) if home is not None else resolve_home({}, os.environ).value
        self.config_file = credential_store.credentials_path(self.home)
        earlier = self.home / EARLIER_PROFILES_FILE
        if earlier.is_file():
            warnings.warn(
                f"{earlier} (the earlier SDK's plain-text profiles) is not read. Store each key "
                "with `hokusai login --profile NAME` (or ProfileManager().add_profile), then "
                "delete that file.",
                DeprecationWarning,
                stacklevel=2,
            )

    @property
    def profiles(self) -> list[str]:
        """The profiles in the credentials file (the OS keyring cannot be listed)."""
        return credential_store.stored_profiles(self.home)

    def add_profile(self, name: str, api_key: str, api_endpoint: str | None = None) -> None:
        """Store ``api_key`` as profile ``name`` (replacing its key)."""
        profile = credential_store.check_profile(name)
        if api_endpoint is not None:
            warnings.warn(
                "A profile keeps only its key; api_endpoint is not stored. Set "
                "HOKUSAI_API_ENDPOINT, or pass api_endpoint= to ModelRegistry.",
                DeprecationWarning,
                stacklevel=2,
            )
        credential_store.save_key(
            self.home, ApiKey(api_key, source=f"profile {profile}"), profile=profile
        )

    def get_profile(self, name: str) -> HokusaiAuth | None:
        """The profile's key as a ``HokusaiAuth`` (``ModelRegistry(auth=...)``), or None."""
        found = credential_store.load_key(self.home, credential_store.check_profile(name))
        return HokusaiAuth(found[0]) if found else None

    def set_active(self, name: str) -> None:
        """Make profile ``name``'s key the default profile's key, as the earlier SDK did.

        That replaces the default key; ``HOKUSAI_PROFILE=name`` selects the profile for a
        process instead and keeps both.
        """
        profile = credential_store.check_profile(name)
        found = credential_store.load_key(self.home, profile)
        if found is None:
            raise ConfigurationError(
                f"Profile '{name}' not found",
                hint=f"Store it first: `hokusai login --profile {profile}`.",
            )
        warnings.warn(
            f"set_active({name!r}) copies the profile's key over the default profile's. To use a "
            f"profile without replacing the default key, set HOKUSAI_PROFILE={profile}.",
            DeprecationWarning,
            stacklevel=2,
        )
        credential_store.save_key(self.home, found[0], profile=credential_store.DEFAULT_PROFILE)


__all__ = ["AuthConfig", "ProfileManager"]
