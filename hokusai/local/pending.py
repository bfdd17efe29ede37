"""The durable list of registrations made locally during a fallback, waiting to be pushed.

One JSON file per registration under ``$HOKUSAI_HOME/pending/``, named by its idempotency key
and written atomically (temporary file, fsync, rename), so a crash never leaves half a record
and two processes never write the same file. The key becomes a file name, so it is checked
(:func:`check_idempotency_key`) before anything is sent or written.

A record written before its local registration (empty ``local_version``) is *claimed* by its
writer: the writer holds ``<key>.lock`` (an OS file lock, released by the OS if the process
dies) until the local registration is done or has failed. ``hokusai sync`` in another process
resolves such a record only when it can take that lock itself, that is when the writer is gone;
a live writer's record is left for a later sync.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from hokusai.errors import InvalidInputError, LocalStoreError
from hokusai.local.locks import try_lock
from hokusai.support.private_dirs import make_private_dirs

if TYPE_CHECKING:
    from filelock import FileLock

Status = Literal["pending", "pushed"]
# The record layout this SDK writes and reads; a higher number is a newer hokusai's record.
FORMAT = 1
DAMAGED_DIR = "damaged"

MAX_KEY_LENGTH = 128
# A plain file name on every platform: no separators, no leading dot, no spaces, ASCII only.
_KEY = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{MAX_KEY_LENGTH - 1}}}")


def check_idempotency_key(value: object) -> str:
    """The key as given, or InvalidInputError: 1-128 ASCII letters, digits, ``_ . : -``,
    starting with a letter or digit."""
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "..."
        raise InvalidInputError(
            f"idempotency_key must be 1-{MAX_KEY_LENGTH} ASCII letters, digits, '_', '.', ':' "
            f"or '-', starting with a letter or digit; got {shown!r}.",
            hint="Use a name like 'churn-2024-11-27', or leave it out for a random one.",
        )
    return value


@dataclass(frozen=True)
class PendingRegistration:
    """One registration waiting for ``hokusai sync``.

    ``local_version`` is empty while the local registration is under way: the record is
    written first, so that a crash in between is found by sync rather than lost.
    """

    idempotency_key: str
    name: str
    local_version: str
    local_tracking_uri: str
    remote_tracking_uri: str
    reason: str
    tags: Mapping[str, str] = field(default_factory=dict)
    alias: str | None = None
    description: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    status: Status = "pending"
    remote_version: str | None = None
    pushed_at: str | None = None
    # Once no late duplicate of the pushed version can appear any more (see hokusai.sync).
    settled_at: str | None = None
    # A tokenized registration's event, sent once the version is pushed (its options, see
    # hokusai.platform.registration_event.EventOptions.queued), and when it was sent.
    event: Mapping[str, Any] | None = None
    event_sent_at: str | None = None

    @property
    def event_due(self) -> bool:
        """Pushed, with an event that has not been sent yet."""
        return self.status == "pushed" and self.event is not None and not self.event_sent_at

    def as_dict(self) -> dict[str, object]:
        """The record as JSON (``hokusai status --json``); it holds no secret."""
        return {**asdict(self), "tags": dict(self.tags)}


@dataclass(frozen=True)
class DamagedRecord:
    """A file in ``pending/`` that is not a readable record (``newer``: a newer hokusai wrote it,
    so it is left for that version; otherwise it is damaged and sync moves it aside)."""

    path: Path
    reason: str
    newer: bool = False
    moved_to: Path | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "reason": self.reason,
            "newer": self.newer,
            "moved_to": str(self.moved_to) if self.moved_to else None,
        }


class _Unreadable(Exception):
    def __init__(self, reason: str, *, newer: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.newer = newer


class PendingStore:
    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._claims: dict[str, FileLock] = {}
        self._claims_lock = threading.Lock()

    @property
    def directory(self) -> Path:
        return self._dir

    def _path(self, key: str) -> Path:
        return self._dir / f"{check_idempotency_key(key)}.json"

    def _lock_path(self, key: str) -> Path:
        return self._dir / f"{check_idempotency_key(key)}.lock"

    def add(self, record: PendingRegistration, *, claim: bool = False) -> None:
        """Write ``record``; with ``claim``, this process holds it until :meth:`release`."""
        if claim:
            self._claim(record.idempotency_key)
        self._write(record)

    def _claim(self, key: str) -> None:
        lock = try_lock(self._lock_path(key))
        if lock is None:
            raise LocalStoreError(
                f"Another process is registering with idempotency_key {key!r} right now.",
                hint="Let it finish, or use another idempotency_key.",
            )
        with self._claims_lock:
            self._claims[key] = lock

    def release(self, key: str) -> None:
        """End this process's claim on ``key`` (a no-op when it holds none)."""
        with self._claims_lock:
            lock = self._claims.pop(key, None)
        if lock is not None:
            lock.release()
            self._forget_lock_file(key)

    def _forget_lock_file(self, key: str) -> None:
        # Tidiness only: Windows refuses while another process has it open, and that is fine.
        with suppress(OSError):
            self._lock_path(key).unlink(missing_ok=True)

    @contextmanager
    def unclaimed(self, key: str) -> Iterator[tuple[bool, PendingRegistration | None]]:
        """(False, None) while a live process still holds the record's claim (it is registering
        it); else (True, the record as it is now, or None if it is gone), held against writers."""
        lock = try_lock(self._lock_path(key))
        if lock is None:
            yield False, None
            return
        try:
            # Read again under the lock: the writer may have finished since it was listed.
            yield True, self.get(key)
        finally:
            lock.release()
            self._forget_lock_file(key)

    def get(self, key: str) -> PendingRegistration | None:
        path = self._path(key)
        return self._read(path) if path.is_file() else None

    def all(self) -> list[PendingRegistration]:
        """Every readable record, oldest first; see :meth:`damaged` for the others."""
        return self._scan()[0]

    def damaged(self) -> list[DamagedRecord]:
        """The files in ``pending/`` that cannot be read as records."""
        return self._scan()[1]

    def _scan(self) -> tuple[list[PendingRegistration], list[DamagedRecord]]:
        if not self._dir.is_dir():
            return [], []
        records: list[PendingRegistration] = []
        damaged: list[DamagedRecord] = []
        for path in sorted(self._dir.glob("*.json")):
            try:
                records.append(_parse(path))
            except _Unreadable as why:
                damaged.append(DamagedRecord(path, why.reason, why.newer))
        return sorted(records, key=lambda r: r.created_at), damaged

    def quarantine(self, record: DamagedRecord) -> DamagedRecord:
        """Move a damaged record to ``pending/damaged/`` (kept for a person to look at)."""
        target_dir = self._dir / DAMAGED_DIR
        target = target_dir / record.path.name
        try:
            target_dir.mkdir(exist_ok=True)
            n = 1
            while target.exists():
                n += 1
                target = target_dir / f"{record.path.stem}.{n}{record.path.suffix}"
            os.replace(record.path, target)
        except OSError as exc:
            raise LocalStoreError(
                f"Cannot move the damaged pending record {record.path} aside: {exc}"
            ) from exc
        return replace(record, moved_to=target)

    def pending(self) -> list[PendingRegistration]:
        return [r for r in self.all() if r.status == "pending"]

    def set_local_version(
        self, key: str, version: str, tags: Mapping[str, str] | None = None
    ) -> PendingRegistration:
        """Complete a record written before its local registration (see ``local_version``).

        ``tags``: the version's tags when the local registration added some (a run copied
        from the user's tracking store), so the pushed version gets them too.
        """
        record = self._required(key)
        done = replace(record, local_version=version, tags=dict(tags) if tags else record.tags)
        self._write(done)
        self.release(key)
        return done

    def discard_unregistered(self, key: str) -> None:
        """The writer's cleanup when its local registration failed and raised: remove the
        record, only if this process claimed it (another process's claim is not ours to end)."""
        with self._claims_lock:
            ours = key in self._claims
        if ours:
            self.remove_unregistered(key)
        self.release(key)

    def remove_unregistered(self, key: str) -> None:
        """Remove a record whose local registration never happened."""
        record = self.get(key)
        if record is not None and not record.local_version:
            self._path(key).unlink(missing_ok=True)

    def _required(self, key: str) -> PendingRegistration:
        record = self.get(key)
        if record is None:
            raise LocalStoreError(f"No pending registration {key} in {self._dir}.")
        return record

    def mark_pushed(self, key: str, remote_version: str) -> PendingRegistration:
        done = replace(
            self._required(key),
            status="pushed",
            remote_version=remote_version,
            pushed_at=datetime.now(timezone.utc).isoformat(),
        )
        self._write(done)
        return done

    def mark_event_sent(self, key: str) -> PendingRegistration:
        done = replace(self._required(key), event_sent_at=datetime.now(timezone.utc).isoformat())
        self._write(done)
        return done

    def events_due(self) -> list[PendingRegistration]:
        """Pushed records whose registration event is still to be sent, oldest first."""
        return [r for r in self.all() if r.event_due]

    def mark_settled(self, key: str) -> None:
        self._write(replace(self._required(key), settled_at=datetime.now(timezone.utc).isoformat()))

    def _read(self, path: Path) -> PendingRegistration:
        try:
            return _parse(path)
        except _Unreadable as why:
            raise LocalStoreError(
                f"Cannot read the pending registration {path}: {why.reason}"
            ) from None

    def _write(self, record: PendingRegistration) -> None:
        target = self._path(record.idempotency_key)
        tmp: str | None = None
        try:
            make_private_dirs(self._dir)
            fd, tmp = tempfile.mkstemp(dir=self._dir, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, **_fields(record)}, handle, indent=2, default=dict)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            raise LocalStoreError(
                f"Cannot record the pending registration in {self._dir}: {exc}"
            ) from exc
        finally:
            if tmp is not None:
                # Half-written: nothing may ever read it, and it must not pile up.
                Path(tmp).unlink(missing_ok=True)


_FIELDS = frozenset(PendingRegistration.__dataclass_fields__)
# Written only when set: a record without them stays readable by a hokusai that predates them.
_OPTIONAL_FIELDS = ("event", "event_sent_at")


def _fields(record: PendingRegistration) -> dict[str, object]:
    data = asdict(record)
    for name in _OPTIONAL_FIELDS:
        if data[name] is None:
            del data[name]
    return data


def _parse(path: Path) -> PendingRegistration:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Unreadable(f"cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise _Unreadable(f"is not valid JSON ({exc}); it may have been cut short") from None
    if not isinstance(data, dict):
        raise _Unreadable("is not a pending record (not a JSON object)")
    layout = data.pop("format", FORMAT)
    unknown = set(data) - _FIELDS
    if (isinstance(layout, int) and layout > FORMAT) or unknown:
        raise _Unreadable(
            f"was written by a newer version of hokusai (format {layout}); upgrade hokusai to "
            "sync it",
            newer=True,
        )
    try:
        return PendingRegistration(**data)
    except TypeError as exc:
        raise _Unreadable(f"is not a complete pending record ({exc})") from None
