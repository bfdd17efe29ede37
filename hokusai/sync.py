"""Push registrations made locally during a fallback to the hosted registry, each exactly once.

A pending record keeps the idempotency key its local registration was made with. The remote
version is created with the same key in its tags, inside the creating request, and the remote
store hands back a version that already holds the key instead of creating another. So a sync
that was interrupted, or whose write was applied but whose answer was lost, simply runs again:
the record is found on the remote, completed (its alias is a separate request and may be
missing) and marked pushed. A record is marked pushed only after the remote holds it.

Records are pushed ``concurrency`` at a time (``HOKUSAI_SYNC_CONCURRENCY``, default 4). Each
record is handled by one thread of one sync: one sync runs per ``HOKUSAI_HOME`` (a file lock),
and within it every record is taken once, so concurrency changes the pace, not the count. A
429 or 503 is waited out per record (``hokusai.transport.retry_policy``); a rejected key or a
failed TLS check stops the records not yet started.

::

    with ModelRegistry() as registry:
        report = sync_pending(registry, concurrency=8, on_progress=print)
        report.counts   # {'pushed': 2, 'already-present': 1, 'failed': 0, ...}
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from hokusai.backends.mlflow_store import MlflowStoreBackend
from hokusai.config.tracking import TrackingConfig
from hokusai.connection.probe import CircuitBreaker, ConnectivityProbe
from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    HokusaiError,
    LocalStoreError,
    PermissionDeniedError,
    RateLimitedError,
    RegistryUnavailableError,
    TLSError,
    error_dict,
    mask_keys,
)
from hokusai.local.locks import try_lock
from hokusai.local.pending import DamagedRecord, PendingRegistration, PendingStore
from hokusai.models import TAG_IDEMPOTENCY_KEY, ModelRegistryEntry, ModelSource, RegistrationRequest
from hokusai.platform.registration_event import EventOptions, EventSender, payload_for
from hokusai.transport.retry_policy import Kind, RetryPolicy, no_retries

if TYPE_CHECKING:
    from hokusai.container import Container


class WiredRegistry(Protocol):
    """What a sync reads off a ``ModelRegistry``: its settings and its wiring."""

    @property
    def config(self) -> TrackingConfig: ...

    @property
    def container(self) -> Container: ...


Outcome = Literal["pushed", "already-present", "would-push", "failed", "not-attempted"]
Stage = Literal["checking", "downloading", "uploading", "done"]
OUTCOMES: tuple[Outcome, ...] = (
    "pushed",
    "already-present",
    "would-push",
    "failed",
    "not-attempted",
)
# The key or the network is the problem, not the record: every later record would fail alike.
_STOPS_THE_RUN = (AuthenticationError, PermissionDeniedError, TLSError)
_MAY_BE_TRANSIENT = (RegistryUnavailableError, RateLimitedError)
# Longer than any request may stay in flight (the hosted proxy gives up on MLflow after 30 s).
SETTLE_AFTER = timedelta(hours=1)
logger = logging.getLogger(__name__)
_WITHDRAWN = "its registration failed meanwhile and its process removed the record"
_IN_FLIGHT = "another process is registering it locally right now; run sync again later"


@dataclass(frozen=True)
class SyncItem:
    """What happened to one pending record."""

    record: PendingRegistration
    outcome: Outcome
    remote_version: str | None = None
    error: HokusaiError | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.record.idempotency_key,
            "name": self.record.name,
            "local_version": self.record.local_version,
            "alias": self.record.alias,
            "outcome": self.outcome,
            "remote_version": self.remote_version,
            "note": self.note,
            "error": error_dict(self.error),
        }


EventOutcome = Literal["sent", "would-send", "failed", "not-attempted"]


@dataclass(frozen=True)
class EventItem:
    """What happened to the registration event queued with one pushed record."""

    record: PendingRegistration
    outcome: EventOutcome
    error: HokusaiError | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.record.idempotency_key,
            "name": self.record.name,
            "remote_version": self.record.remote_version,
            "outcome": self.outcome,
            "error": error_dict(self.error),
        }


@dataclass(frozen=True)
class SyncReport:
    """The outcome per record. ``remote_error``: why a dry run could not consult the remote."""

    remote_uri: str
    dry_run: bool
    items: tuple[SyncItem, ...] = ()
    remote_error: HokusaiError | None = None
    # Files in pending/ that are not readable records; the damaged ones are moved aside.
    damaged: tuple[DamagedRecord, ...] = ()
    # The registration events of tokenized models, sent once their record is pushed.
    events: tuple[EventItem, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return {o: sum(1 for i in self.items if i.outcome == o) for o in OUTCOMES}

    def having(self, outcome: Outcome) -> list[SyncItem]:
        return [i for i in self.items if i.outcome == outcome]

    @property
    def complete(self) -> bool:
        """True when every record is on the remote now (or would be pushed, in a dry run), and
        every queued registration event was sent."""
        unsent = [e for e in self.events if e.outcome in ("failed", "not-attempted")]
        return not (self.having("failed") or self.having("not-attempted") or self.damaged or unsent)

    def as_dict(self) -> dict[str, Any]:
        return {
            "remote_uri": self.remote_uri,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "complete": self.complete,
            "remote_error": error_dict(self.remote_error),
            "items": [i.as_dict() for i in self.items],
            "damaged": [d.as_dict() for d in self.damaged],
            "events": [e.as_dict() for e in self.events],
        }


@dataclass(frozen=True)
class SyncEvent:
    """Progress: record ``index`` of ``total`` reached ``stage`` (``item`` is set when done).

    Records are pushed concurrently, so events of different records interleave; ``finished``
    counts the records done so far (this one included once its stage is ``done``). Events are
    delivered one at a time, never from two threads at once.
    """

    index: int
    total: int
    record: PendingRegistration
    stage: Stage
    item: SyncItem | None = None
    finished: int = 0


Progress = Callable[[SyncEvent], None]


@dataclass(frozen=True)
class SyncParts:
    """What a sync needs from a registry's wiring."""

    config: TrackingConfig
    remote: MlflowStoreBackend
    local: MlflowStoreBackend
    pending: PendingStore
    probe: ConnectivityProbe
    breaker: CircuitBreaker
    retry: RetryPolicy = field(default_factory=no_retries)
    events: EventSender | None = None

    @classmethod
    def of(cls, registry: WiredRegistry) -> SyncParts:
        # The registry's own providers: same key binding, same stores, same breaker.
        container = registry.container
        return cls(
            config=registry.config,
            remote=container.remote_store(),
            local=container.local_store(),
            pending=container.pending_store(),
            probe=container.probe(),
            breaker=container.breaker(),
            retry=container.retry_policy(),
            events=container.event_sender(),
        )


def sync_pending(
    registry: WiredRegistry | SyncParts,
    *,
    dry_run: bool = False,
    concurrency: int | None = None,
    on_progress: Progress | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Push every pending registration to the remote registry; see the module docstring.

    ``concurrency``: records pushed at once (default: the ``sync_concurrency`` setting).
    ``on_progress`` (or its older name ``progress``) is called with a :class:`SyncEvent` as
    each record moves on. Raises ConfigurationError when the mode has no remote or
    ``concurrency`` is out of range, and the probe's typed error (AuthenticationError,
    RegistryUnavailableError, ...) when nothing can be pushed at all; pending records are then
    untouched. A dry run reads the remote when it can, writes nothing.
    """
    parts = registry if isinstance(registry, SyncParts) else SyncParts.of(registry)
    workers = _concurrency(parts, concurrency)
    report_progress = on_progress or progress or _ignore
    store = parts.pending
    records = store.pending()
    uri = parts.config.remote_uri.shown
    damaged = tuple(store.damaged())
    unsettled = [] if dry_run else _unsettled(parts)
    due = store.events_due()
    if not records and not damaged and not unsettled and not due:
        return SyncReport(uri, dry_run)
    if not records:
        with nullcontext() if dry_run else _exclusive(store.directory):
            _settle(parts, unsettled)
            events = _Announcer(parts, {}).run(dry_run)
            return SyncReport(
                uri, dry_run, damaged=_set_aside(store, damaged, dry_run), events=events
            )
    remote_error = _preflight(parts)
    if remote_error is not None and not dry_run:
        raise remote_error
    pusher = _Pusher(parts, dry_run=dry_run, remote_readable=remote_error is None)
    with nullcontext() if dry_run else _exclusive(store.directory):
        damaged = _set_aside(store, damaged, dry_run)
        items = pusher.run(records, report_progress, workers)
        _settle(parts, unsettled)
        events = _Announcer(parts, pusher.entries).run(dry_run)
    return SyncReport(uri, dry_run, items, remote_error, damaged, events)


def _concurrency(parts: SyncParts, given: int | None) -> int:
    if given is None:
        return parts.config.sync_concurrency.value
    if isinstance(given, bool) or not isinstance(given, int) or not 1 <= given <= 64:
        raise ConfigurationError(
            f"concurrency must be a whole number from 1 to 64, got {given!r}.",
            hint="Pass --concurrency N (or set HOKUSAI_SYNC_CONCURRENCY) with N from 1 to 64.",
        )
    return given


def _unsettled(parts: SyncParts) -> list[PendingRegistration]:
    config = parts.config
    if not config.mode.value.uses_remote or config.api_key is None:
        return []
    return [r for r in parts.pending.all() if r.status == "pushed" and not r.settled_at]


def _settle(parts: SyncParts, records: list[PendingRegistration]) -> None:
    """Remove late duplicates of versions pushed earlier.

    A create whose answer was lost may still be applied by the server after the sync that sent
    it reported a failure, and after a later sync created the version again: the same
    registration twice. Every version-create looks again right after it, and each sync looks
    once more at records pushed less than SETTLE_AFTER ago; later than that, nothing sent by
    an earlier run can still be in flight. Best effort: a failure here waits for the next sync.
    """
    now = datetime.now(timezone.utc)
    for record in records:
        try:
            parts.remote.settle(record.name, record.idempotency_key)
        except HokusaiError as error:
            logger.info("Could not check %r for late duplicates: %s", record.name, error.message)
            return
        pushed = datetime.fromisoformat(record.pushed_at or now.isoformat())
        if now - pushed > SETTLE_AFTER:
            parts.pending.mark_settled(record.idempotency_key)


def _set_aside(
    store: PendingStore, damaged: tuple[DamagedRecord, ...], dry_run: bool
) -> tuple[DamagedRecord, ...]:
    """Move damaged records out of the way (never delete them); a newer hokusai's stay."""
    if dry_run:
        return damaged
    return tuple(d if d.newer else store.quarantine(d) for d in damaged)


@contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """One sync at a time per HOKUSAI_HOME, on every platform (an OS file lock, released by the
    OS if the process dies).

    The remote's "find by idempotency key, else create" is not atomic: two syncs racing on the
    same record could both create it. Across machines the records differ, so a local lock is
    enough.
    """
    lock = try_lock(directory / ".sync.lock")
    if lock is None:
        raise LocalStoreError(
            f"Another `hokusai sync` is running for {directory.parent}.",
            hint="Wait for it to finish, then run `hokusai sync` again if anything is left.",
        )
    try:
        yield
    finally:
        lock.release()


def _ignore(_event: SyncEvent) -> None:
    return None


def _preflight(parts: SyncParts) -> HokusaiError | None:
    config = parts.config
    mode = config.mode
    if not mode.value.uses_remote:
        raise ConfigurationError(
            f"The mode is {mode.value.value!r} (from {mode.source}): there is no hosted registry "
            "to push pending registrations to.",
            hint="Run it again with HOKUSAI_MLFLOW_MODE=auto (or remote).",
        )
    if config.api_key is None:
        return AuthenticationError.missing_key(config.remote_uri.value)
    # A fresh probe, not the breaker's memory: a sync is how the user says "it is back now".
    try:
        parts.retry.run(lambda: _raise_unless_reachable(parts), kind=Kind.IDEMPOTENT, action=_CHECK)
    except HokusaiError as error:
        return error
    parts.breaker.reset()
    return None


_CHECK = "checking the registry before a sync"


def _raise_unless_reachable(parts: SyncParts) -> None:
    outcome = parts.probe.check()
    if outcome.error is not None:
        raise outcome.error


class _Pusher:
    def __init__(self, parts: SyncParts, *, dry_run: bool, remote_readable: bool) -> None:
        self._parts = parts
        self._dry_run = dry_run
        self._remote_readable = remote_readable
        # The remote version of each record, for its registration event (no second read).
        self.entries: dict[str, ModelRegistryEntry] = {}
        self._entries_lock = threading.Lock()

    def _keep(self, record: PendingRegistration, entry: ModelRegistryEntry) -> None:
        with self._entries_lock:
            self.entries[record.idempotency_key] = entry

    def run(
        self, records: list[PendingRegistration], progress: Progress, workers: int
    ) -> tuple[SyncItem, ...]:
        """Every record's outcome, in the order of ``records``; ``workers`` at a time."""
        run = _Run(len(records), progress)
        with ThreadPoolExecutor(
            max_workers=max(1, min(workers, len(records))), thread_name_prefix="hokusai-sync"
        ) as pool:
            futures = [
                pool.submit(self._take, run, index, record)
                for index, record in enumerate(records, start=1)
            ]
            try:
                return tuple(f.result() for f in futures)
            except BaseException:
                # Interrupted: records not started stay pending; those under way finish.
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    def _take(self, run: _Run, index: int, record: PendingRegistration) -> SyncItem:
        stopped = run.stopped
        if stopped is not None:
            item = SyncItem(record, "not-attempted", error=stopped)
        else:
            item = self._one(record, lambda stage: run.report(index, record, stage))
            run.stop(self._stop_reason(item.error))
        run.report(index, record, "done", item)
        return item

    def _stop_reason(self, error: HokusaiError | None) -> HokusaiError | None:
        if error is None or isinstance(error, _STOPS_THE_RUN):
            return error
        if isinstance(error, _MAY_BE_TRANSIENT):
            # One lost answer should not end the run; a registry that is gone should.
            return self._parts.probe.check().error
        return None

    def _one(self, record: PendingRegistration, report: Callable[[Stage], None]) -> SyncItem:
        if record.local_version:
            return self._resolved(record, report)
        # Written just before a local registration: resolve it only if its writer is gone.
        try:
            with self._parts.pending.unclaimed(record.idempotency_key) as (free, current):
                if not free:
                    return SyncItem(record, "not-attempted", note=_IN_FLIGHT)
                if current is None:
                    return SyncItem(record, "not-attempted", note=_WITHDRAWN)
                return self._resolved(current, report)
        except HokusaiError as error:
            return SyncItem(record, "failed", error=error)

    def _resolved(self, record: PendingRegistration, report: Callable[[Stage], None]) -> SyncItem:
        try:
            self._check_addresses(record)
            record = self._with_local_version(record)
            report("checking")
            existing = self._on_remote(record) if self._remote_readable else None
            if existing is not None:
                return self._complete(record, existing)
            if self._dry_run:
                note = None if self._remote_readable else "remote not checked"
                return SyncItem(record, "would-push", note=note)
            entry = self._push(record, report)
            self._parts.pending.mark_pushed(record.idempotency_key, str(entry.version))
            self._keep(record, entry)
            return SyncItem(record, "pushed", entry.version, note=_alias_note(record))
        except HokusaiError as error:
            return SyncItem(record, "failed", error=error)

    def _check_addresses(self, record: PendingRegistration) -> None:
        """Push only where the record was meant to go, from where it was made."""
        config = self._parts.config
        # Compared as shown: records hold URIs masked (older ones the URI itself).
        for recorded, current, what in (
            (mask_keys(record.remote_tracking_uri), config.remote_uri.shown, "remote registry"),
            (mask_keys(record.local_tracking_uri), config.local_uri.shown, "local store"),
        ):
            if recorded.rstrip("/") != current.rstrip("/"):
                raise ConfigurationError(
                    f"{record.name!r} (local version {record.local_version}) was recorded for the "
                    f"{what} {recorded}, but {current} is configured.",
                    hint=f"Configure {recorded} again to sync it, or leave it pending.",
                )

    def _with_local_version(self, record: PendingRegistration) -> PendingRegistration:
        """A record written just before a local registration that the process did not live to
        finish: find that registration by its key, or drop the record, which promises nothing."""
        if record.local_version:
            return record
        found = self._parts.local.search_versions(
            name=record.name, tags={TAG_IDEMPOTENCY_KEY: record.idempotency_key}
        )
        if found:
            if self._dry_run:
                return replace(record, local_version=str(found[0].version))
            return self._parts.pending.set_local_version(
                record.idempotency_key, str(found[0].version)
            )
        if not self._dry_run:
            self._parts.pending.remove_unregistered(record.idempotency_key)
        raise LocalStoreError(
            f"{record.name!r} never reached the local store (the process stopped during its "
            "registration), so there is nothing to push; the record is removed.",
            hint="Register the model again.",
        )

    def _on_remote(self, record: PendingRegistration) -> ModelRegistryEntry | None:
        found = self._parts.retry.run(
            lambda: self._parts.remote.search_versions(
                name=record.name, tags={TAG_IDEMPOTENCY_KEY: record.idempotency_key}
            ),
            kind=Kind.IDEMPOTENT,
            action=f"looking for {record.name!r} on the registry",
        )
        return found[0] if found else None

    def _complete(self, record: PendingRegistration, entry: ModelRegistryEntry) -> SyncItem:
        """The remote holds the version (an earlier run, or an answer lost): finish the job."""
        note = self._complete_alias(record, str(entry.version))
        if not self._dry_run:
            self._parts.pending.mark_pushed(record.idempotency_key, str(entry.version))
            self._keep(record, entry)
        return SyncItem(record, "already-present", entry.version, note=note)

    def _complete_alias(self, record: PendingRegistration, version: str) -> str | None:
        # Aliases are a second request after the version's creation, so an interrupted run can
        # leave them unset. Asked for directly: MLflow's version search does not return them.
        alias = record.alias
        if alias is None:
            return None
        current = self._parts.remote.get_by_alias(record.name, alias)
        if current is not None and current.version == version:
            return None
        if current is not None and int(current.version or 0) > int(version):
            # Someone moved it to a newer version since: that choice stands.
            return f"alias {alias!r} left on the newer version {current.version}"
        if self._dry_run:
            return f"alias {alias!r} would be set"
        self._parts.remote.set_alias(record.name, alias, version)
        return f"alias {alias!r} set"

    def _push(
        self, record: PendingRegistration, report: Callable[[Stage], None]
    ) -> ModelRegistryEntry:
        with tempfile.TemporaryDirectory(prefix="hokusai-sync-") as tmp:
            report("downloading")
            files = self._parts.local.download(record.name, record.local_version, Path(tmp))
            report("uploading")
            request = RegistrationRequest(
                name=record.name,
                source=ModelSource(local_dir=files),
                tags=dict(record.tags),
                # The same key: a version already holding it is returned, not duplicated.
                idempotency_key=record.idempotency_key,
                description=record.description,
                alias=record.alias,
            )
            return self._parts.retry.run(
                lambda: self._parts.remote.register(request),
                # register() looks up the key before it creates anything.
                kind=Kind.KEYED,
                action=f"pushing {record.name!r}",
            )


# After these the next event would fail alike: the key, the API, or its limit is the problem.
_STOPS_THE_EVENTS = frozenset({401, 403, 429})


class _Announcer:
    """Sends the registration events of pushed records, one at a time, each once.

    One at a time: the API takes 30 events a minute per key, so more at once would only meet
    its 429 sooner; the sender waits that out within the retry deadline. A record's event is
    marked sent only after the API took it, under the sync lock, so a run that stops (or an
    event that fails) leaves it for the next sync, and a sent one is never sent again.
    """

    def __init__(self, parts: SyncParts, entries: dict[str, ModelRegistryEntry]) -> None:
        self._parts = parts
        self._entries = entries

    def run(self, dry_run: bool) -> tuple[EventItem, ...]:
        store = self._parts.pending
        if self._parts.events is None:
            return ()
        if dry_run:
            queued = [r for r in store.all() if r.event is not None and not r.event_sent_at]
            return tuple(EventItem(r, "would-send") for r in queued)
        items: list[EventItem] = []
        stopped: HokusaiError | None = None
        for record in store.events_due():
            if stopped is not None:
                items.append(EventItem(record, "not-attempted", stopped))
                continue
            try:
                self._send(record)
                items.append(EventItem(record, "sent"))
            except HokusaiError as error:
                items.append(EventItem(record, "failed", error))
                if error.status is None or error.status in _STOPS_THE_EVENTS:
                    stopped = error
        return tuple(items)

    def _send(self, record: PendingRegistration) -> None:
        sender = self._parts.events
        assert sender is not None and record.event is not None
        options = EventOptions.from_queued(record.event)
        entry = self._entries.get(record.idempotency_key) or self._parts.retry.run(
            lambda: self._parts.remote.get_version(record.name, str(record.remote_version)),
            kind=Kind.IDEMPOTENT,
            action=f"reading {record.name!r} for its registration event",
        )
        sender.send(payload_for(entry, options.api_schema), options)
        self._parts.pending.mark_event_sent(record.idempotency_key)


class _Run:
    """What the threads of one sync share: the stop reason and the progress callback."""

    def __init__(self, total: int, progress: Progress) -> None:
        self._total = total
        self._progress = progress
        self._lock = threading.Lock()
        self._finished = 0
        self._stopped: HokusaiError | None = None

    @property
    def stopped(self) -> HokusaiError | None:
        with self._lock:
            return self._stopped

    def stop(self, reason: HokusaiError | None) -> None:
        with self._lock:
            self._stopped = self._stopped or reason

    def report(
        self, index: int, record: PendingRegistration, stage: Stage, item: SyncItem | None = None
    ) -> None:
        # One event at a time: a progress renderer need not be thread-safe.
        with self._lock:
            if stage == "done":
                self._finished += 1
            event = SyncEvent(index, self._total, record, stage, item, self._finished)
            self._progress(event)


def _alias_note(record: PendingRegistration) -> str | None:
    return f"alias {record.alias!r} set" if record.alias else None
