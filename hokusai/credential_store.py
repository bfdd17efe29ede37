"""Where ``hokusai login`` keeps the key: the OS keyring when one works, else a 0600 file.

The file is ``$HOKUSAI_HOME/credentials`` (ini, ``[default] api_key = ...``). It is the only file
the SDK ever writes the key to: created 0600 in a 0700 home, never through a link, and emptied
before removal. See docs/security.md.
"""

from __future__ import annotations

import configparser
import logging
import os
import tempfile
from pathlib import Path

from hokusai.credentials import ApiKey
from hokusai.errors import LocalStoreError
from hokusai.private_dirs import make_private_dirs

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
    _refuse_link(path)
    make_private_dirs(path.parent)
    # A new file beside it, renamed over it: the rename replaces whatever name is there (a link
    # placed after the check included) and never writes through it. mkstemp creates it 0600,
    # so there is no moment when it is readable by others.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".credentials-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"[default]\napi_key = {key.reveal()}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise LocalStoreError(f"Cannot write the credentials file {path}: {exc.strerror}") from None
    return str(path)


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise LocalStoreError(
            f"{path} is a symbolic link; the key is never written through one.",
            hint=f"Remove the link ({path}), then run `hokusai login` again.",
        )


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
    if path.is_symlink():
        # Only the link is ours to remove; the file it points to was never written by the SDK.
        path.unlink()
        removed.append(f"{path} (a link; its target was not touched)")
    elif path.exists():
        _erase(path)
        removed.append(str(path))
    if os.path.lexists(path):
        raise LocalStoreError(f"Could not remove the credentials file {path}.")
    return removed


def _erase(path: Path) -> None:
    """Empty the file, then remove it: another name for the same file (a hard link, a backup
    tool's) would otherwise keep the key on disk."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.ftruncate(fd, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        path.unlink()
    except OSError as exc:
        raise LocalStoreError(
            f"Could not remove the credentials file {path}: {exc.strerror}",
            hint=f"Delete {path} yourself.",
        ) from None
