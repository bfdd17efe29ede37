"""Where ``hokusai login`` keeps the key: the OS keyring when one works, else a 0600 file.

The file is ``$HOKUSAI_HOME/credentials`` (ini, ``[default] api_key = ...``). It is the only file
the SDK ever writes the key to.
"""

from __future__ import annotations

import configparser
import logging
import os
from pathlib import Path

from hokusai.credentials import ApiKey

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "hokusai"
KEYRING_USER = "api_key"


def credentials_path(home: Path) -> Path:
    return home / "credentials"


def _keyring() -> object | None:
    """The keyring module when a real backend is configured, else None (no prompts, no hangs)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring config must not break registration
        return None
    if isinstance(backend, fail.Keyring) or backend.priority <= 0:
        return None
    return keyring


def keyring_available() -> bool:
    return _keyring() is not None


def load_key(home: Path) -> tuple[ApiKey, str] | None:
    """The stored key and where it was found (``OS keyring`` or the file's path)."""
    ring = _keyring()
    if ring is not None:
        try:
            secret = ring.get_password(KEYRING_SERVICE, KEYRING_USER)  # type: ignore[attr-defined]
        except Exception:
            secret = None
        if secret:
            return ApiKey(secret, source="the OS keyring"), "OS keyring"
    path = credentials_path(home)
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    secret = parser.get("default", "api_key", fallback="")
    if not secret.strip():
        return None
    return ApiKey(secret, source=str(path)), str(path)


def save_key(home: Path, key: ApiKey, *, use_keyring: bool = True) -> str:
    """Store the key; returns where it went."""
    ring = _keyring() if use_keyring else None
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, KEYRING_USER, key.reveal())  # type: ignore[attr-defined]
            return "OS keyring"
        except Exception as exc:
            logger.info(
                "The OS keyring refused the key (%s); using the credentials file.",
                type(exc).__name__,
            )
    path = credentials_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start: a chmod after writing would leave a window where it is readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"[default]\napi_key = {key.reveal()}\n")
    os.chmod(path, 0o600)
    return str(path)


def delete_key(home: Path) -> list[str]:
    """Remove the key from every place it is stored; returns the places it was removed from."""
    removed: list[str] = []
    ring = _keyring()
    if ring is not None:
        try:
            if ring.get_password(KEYRING_SERVICE, KEYRING_USER):  # type: ignore[attr-defined]
                ring.delete_password(KEYRING_SERVICE, KEYRING_USER)  # type: ignore[attr-defined]
                removed.append("OS keyring")
        except Exception as exc:
            logger.info("Could not remove the key from the OS keyring: %s", type(exc).__name__)
    path = credentials_path(home)
    if path.exists():
        path.unlink()
        removed.append(str(path))
    return removed
