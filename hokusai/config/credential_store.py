"""Where ``hokusai login`` keeps the key: the OS keyring when one works, else a 0600 file.

The file is ``$HOKUSAI_HOME/credentials`` (ini, one section per profile: ``[default] api_key =
...``). It is the only file the SDK ever writes the key to: created 0600 in a 0700 home, never
through a link, and emptied before removal. See docs/security.md.

Keyring entries belong to one home and one profile (:func:`keyring_entry`): the default home
(``~/.hokusai``) uses the service ``hokusai``, as before; any other ``HOKUSAI_HOME`` uses
``hokusai:<hash of its path>``, so a throwaway home never reads, overwrites or deletes the key
of the real one. See docs/keys-and-profiles.md.
"""

from __future__ import annotations

import configparser
import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

from hokusai.config.credentials import ApiKey
from hokusai.errors import ConfigurationError, LocalStoreError, mask_keys
from hokusai.support.private_dirs import make_private_dirs

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "hokusai"
KEYRING_USER = "api_key"
DEFAULT_PROFILE = "default"
DEFAULT_HOME = "~/.hokusai"
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def credentials_path(home: Path) -> Path:
    return home / "credentials"


def check_profile(name: str, *, source: str = "the profile") -> str:
    """The profile name, or a ConfigurationError: it becomes an ini section and a keyring user."""
    # "DEFAULT" would be read as configparser's special section by other tools.
    if not _PROFILE_NAME.fullmatch(name) or (name.lower() == "default" and name != "default"):
        raise ConfigurationError(
            f"{source} {name!r} is not a profile name: use letters, digits, '_', '-' or '.' "
            "(up to 64), starting with a letter or digit.",
            hint="Pick a name such as 'staging' or 'live', e.g. `hokusai login --profile staging`.",
        )
    return name


def _same_path(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def keyring_entry(home: Path, profile: str = DEFAULT_PROFILE) -> tuple[str, str]:
    """The (service, user) under which the key of ``home`` and ``profile`` is kept in the
    keyring. The default home and profile keep the names earlier releases used."""
    service = KEYRING_SERVICE
    if not _same_path(home, Path(DEFAULT_HOME).expanduser()):
        digest = hashlib.sha256(os.path.realpath(home).encode("utf-8")).hexdigest()[:16]
        service = f"{KEYRING_SERVICE}:{digest}"
    user = KEYRING_USER if profile == DEFAULT_PROFILE else f"{KEYRING_USER}:{profile}"
    return service, user


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


def _where(profile: str, place: str) -> str:
    return place if profile == DEFAULT_PROFILE else f"{place}, profile {profile}"


def load_key(home: Path, profile: str = DEFAULT_PROFILE) -> tuple[ApiKey, str] | None:
    """The stored key and where it was found (``OS keyring`` or the file's path)."""
    ring = _keyring()
    if ring is not None:
        try:
            secret = ring.get_password(*keyring_entry(home, profile))  # type: ignore[attr-defined]
        except Exception:
            secret = None
        if secret:
            where = _where(profile, "OS keyring")
            return ApiKey(secret, source=f"the {where}"), where
    path = credentials_path(home)
    secret = _read_file(path).get(profile, "")
    if not secret.strip():
        return None
    return ApiKey(secret, source=str(path)), _where(profile, str(path))


def stored_profiles(home: Path) -> list[str]:
    """The profiles with a key in the credentials file (the keyring cannot be listed)."""
    return sorted(name for name, secret in _read_file(credentials_path(home)).items() if secret)


def _read_file(path: Path) -> dict[str, str]:
    """Profile -> key from the credentials file; a file that is not ini is a ConfigurationError
    naming it, never a traceback."""
    if not path.is_file():
        return {}
    parser = configparser.ConfigParser(interpolation=None, default_section="\0none")
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigurationError(
            f"The credentials file {path} cannot be read ({mask_keys(first)}).",
            hint=f"It must start with a [default] line, then `api_key = ...`; or delete {path} "
            "and run `hokusai login` again.",
        ) from None
    return {name: parser.get(name, "api_key", fallback="") for name in parser.sections()}


def save_key(
    home: Path, key: ApiKey, *, use_keyring: bool = True, profile: str = DEFAULT_PROFILE
) -> str:
    """Store the key; returns where it went."""
    ring = _keyring() if use_keyring else None
    if ring is not None:
        try:
            ring.set_password(*keyring_entry(home, profile), key.reveal())  # type: ignore[attr-defined]
            return _where(profile, "OS keyring")
        except Exception as exc:
            logger.info(
                "The OS keyring refused the key (%s); using the credentials file.",
                type(exc).__name__,
            )
    path = credentials_path(home)
    _refuse_link(path)
    make_private_dirs(path.parent)
    profiles = {**_read_file(path), profile: key.reveal()}
    text = _ini(profiles)
    # A new file beside it, renamed over it: the rename replaces whatever name is there (a link
    # placed after the check included) and never writes through it. mkstemp creates it 0600,
    # so there is no moment when it is readable by others.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".credentials-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise LocalStoreError(f"Cannot write the credentials file {path}: {exc.strerror}") from None
    return _where(profile, str(path))


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise LocalStoreError(
            f"{path} is a symbolic link; the key is never written through one.",
            hint=f"Remove the link ({path}), then run `hokusai login` again.",
        )


def delete_key(home: Path, profile: str = DEFAULT_PROFILE) -> list[str]:
    """Remove the key of ``home`` and ``profile`` from every place it is stored (another home's
    or profile's key stays); returns the places it was removed from."""
    removed: list[str] = []
    ring = _keyring()
    entry = keyring_entry(home, profile)
    if ring is not None:
        try:
            if ring.get_password(*entry):  # type: ignore[attr-defined]
                ring.delete_password(*entry)  # type: ignore[attr-defined]
                removed.append(_where(profile, "OS keyring"))
        except Exception as exc:
            logger.info("Could not remove the key from the OS keyring: %s", type(exc).__name__)
    path = credentials_path(home)
    try:
        stored = _read_file(path)
    except ConfigurationError:
        stored = {}  # unreadable: logging out is how to get rid of it
    others = {n: s for n, s in stored.items() if n != profile}
    if others and not path.is_symlink():
        if profile in stored:
            _rewrite_without(path, others)
            removed.append(_where(profile, str(path)))
        return removed
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


def _ini(keys: dict[str, str]) -> str:
    return "".join(f"[{name}]\napi_key = {secret}\n\n" for name, secret in keys.items())


def _rewrite_without(path: Path, others: dict[str, str]) -> None:
    """Keep the other profiles' keys: rewrite the file in place (same inode, same 0600 mode)."""
    text = _ini(others)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise LocalStoreError(
            f"Cannot rewrite the credentials file {path}: {exc.strerror}"
        ) from None


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


__all__ = [
    "DEFAULT_HOME",
    "DEFAULT_PROFILE",
    "KEYRING_SERVICE",
    "KEYRING_USER",
    "check_profile",
    "credentials_path",
    "delete_key",
    "keyring_available",
    "keyring_entry",
    "load_key",
    "save_key",
    "stored_profiles",
]
