"""Choosing between the hosted registry and the local store: modes remote, auto and optional."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal, TypeVar

from hokusai.backends.mlflow_store import MlflowStoreBackend
from hokusai.config.tracking import Mode
from hokusai.connection.probe import CircuitBreaker
from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    HokusaiError,
    InvalidInputError,
    RegistryUnavailableError,
    mask_keys,
)
from hokusai.local.pending import PendingRegistration, PendingStore
from hokusai.models import (
    TAG_IDEMPOTENCY_KEY,
    TAG_LOGGED_MODEL_ID,
    ModelRegistryEntry,
    ProbeResult,
    RegistrationRequest,
)
from hokusai.platform.registry_status import first_target
from hokusai.support.notices import warn_once
from hokusai.transport.retry_policy import Kind, RetryPolicy, no_retries

logger = logging.getLogger("hokusai")

# Written by each registration for itself: sync writes its own on the remote version.
_PER_REGISTRATION_TAGS = frozenset({TAG_IDEMPOTENCY_KEY, TAG_LOGGED_MODEL_ID})

Policy = Literal["remote", "auto"]
T = TypeVar("T")


class RoutedBackend:
    """Remote when it answers; in ``auto``, the local store when it is unreachable.

    Unreachable means refused, DNS, timeout, or 502/503/504, seen by the probe or mid-operation.
    A rejected key (401/403), a rate limit or a TLS failure raises in every policy: a wrong key
    must not quietly put models on a laptop.
    """

    def __init__(
        self,
        *,
        policy: Policy,
        remote: MlflowStoreBackend,
        local: MlflowStoreBackend,
        breaker: CircuitBreaker,
        pending: PendingStore,
        has_key: bool,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._policy = policy
        self._remote = remote
        self._local = local
        self._breaker = breaker
        self._pending = pending
        self._has_key = has_key
        self._retry = retry or no_retries()
        self._last_target = first_target(Mode(policy), has_key)

    @property
    def target(self) -> str:
        """Where the next call is expected to go, given what the breaker last saw."""
        last = self._breaker.last
        if self._policy == "auto" and last is not None and last.verdict == "unreachable":
            return "local"
        return self._last_target

    @property
    def tracking_uri(self) -> str:
        return self._remote.tracking_uri if self.target == "remote" else self._local.tracking_uri

    @property
    def pending(self) -> PendingStore:
        return self._pending

    def last_probe(self) -> ProbeResult | None:
        return self._breaker.last

    def _pick(
        self, *, fallback: bool
    ) -> tuple[MlflowStoreBackend, RegistryUnavailableError | None]:
        if self._policy == "auto" and not self._has_key:
            warn_once(
                logger,
                "no-key-local",
                "No Hokusai API key is set; models are registered in the local store %s. "
                "Set HOKUSAI_API_KEY (or run `hokusai login`) to use the hosted registry.",
                mask_keys(self._local.tracking_uri),
            )
            return self._local, None
        if not self._has_key:
            raise AuthenticationError.missing_key(self._remote.tracking_uri)
        outcome = self._breaker.outcome()
        if outcome.reachable:
            return self._remote, None
        error = outcome.error
        assert error is not None
        if fallback and self._policy == "auto" and isinstance(error, RegistryUnavailableError):
            return self._local, error
        raise error

    def _run(
        self,
        call: Callable[[MlflowStoreBackend], T],
        *,
        fallback: bool = True,
        before_fallback: Callable[[RegistryUnavailableError], None] | None = None,
        kind: Kind = Kind.IDEMPOTENT,
        action: str = "reading the registry",
    ) -> tuple[T, RegistryUnavailableError | None]:
        """Run ``call`` on the remote, or on the local store when it is unreachable.

        Only writes fall back (``fallback``): a read answered by the local store would return
        another model under the same name and version, and nothing in a loaded model says so.
        A 429 or 503 is waited out first (``hokusai.transport.retry_policy``, as ``kind``
        allows); only what is left when the retry deadline passes reaches the fallback.
        """
        backend, why = self._retry.run(
            lambda: self._pick(fallback=fallback), kind=Kind.IDEMPOTENT, action=action
        )
        if backend is self._remote:
            try:
                self._last_target = "remote"
                return self._retry.run(lambda: call(backend), kind=kind, action=action), None
            except RegistryUnavailableError as exc:
                if self._policy == "remote":
                    # No fallback to speed up: let an immediate retry try the registry again.
                    raise
                self._breaker.trip(exc)
                if not fallback:
                    raise
                why = exc
        self._last_target = "local"
        if why is not None:
            warn_once(
                logger,
                f"fallback:{self._remote.tracking_uri}",
                "The Hokusai registry %s is unreachable (%s); using the local store %s instead. "
                "Registrations made there are kept and `hokusai sync` pushes them later.",
                mask_keys(self._remote.tracking_uri),
                why.reason,
                mask_keys(self._local.tracking_uri),
            )
            if before_fallback is not None:
                before_fallback(why)
        return call(self._local), why

    def register(self, request: RegistrationRequest) -> ModelRegistryEntry:
        def record_intent(why: RegistryUnavailableError) -> None:
            # Written before the local registration, so that a crash between the two leaves a
            # record that sync can resolve, never a local version that nothing will push.
            self._pending.add(
                PendingRegistration(
                    idempotency_key=request.idempotency_key,
                    name=request.name,
                    local_version="",
                    # As shown, not as used: the record is a file and `status --json` prints it.
                    local_tracking_uri=mask_keys(self._local.tracking_uri),
                    remote_tracking_uri=mask_keys(self._remote.tracking_uri),
                    reason=why.reason,
                    tags=dict(request.tags),
                    alias=request.alias,
                    description=request.description,
                    event=request.event,
                ),
                claim=True,
            )

        try:
            try:
                entry, why = self._run(
                    lambda backend: backend.register(request),
                    before_fallback=record_intent,
                    # register() looks up the idempotency key before it creates anything.
                    kind=Kind.KEYED,
                    action=f"registering model {request.name!r}",
                )
            except HokusaiError:
                # The registration is nowhere, and the caller knows: no record may promise it.
                self._pending.discard_unregistered(request.idempotency_key)
                raise
            if why is None:
                return entry
            # The local registration may have added tags (a copied run's origin and metrics).
            kept = {k: v for k, v in entry.tags.items() if k not in _PER_REGISTRATION_TAGS}
            self._pending.set_local_version(request.idempotency_key, str(entry.version), kept)
        finally:
            # The record was claimed when written (see PendingStore): any way out ends the
            # claim; after an interrupt the record stays for sync to resolve.
            self._pending.release(request.idempotency_key)
        return replace(entry, reason=f"registry unreachable: {why.reason}", pending_sync=True)

    def get_version(self, name: str, version: str) -> ModelRegistryEntry:
        return self._run(lambda b: b.get_version(name, version), fallback=False)[0]

    def search_versions(
        self, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> list[ModelRegistryEntry]:
        return self._run(lambda b: b.search_versions(name=name, tags=tags), fallback=False)[0]

    def latest_version(self, name: str) -> ModelRegistryEntry | None:
        return self._run(lambda b: b.latest_version(name), fallback=False)[0]

    def get_by_alias(self, name: str, alias: str) -> ModelRegistryEntry | None:
        return self._run(lambda b: b.get_by_alias(name, alias), fallback=False)[0]

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._run(lambda b: b.set_alias(name, alias, version), fallback=False)

    # Tags and deletions act on a version that lives where it was registered: done on the
    # local store they would change another model of the same name and number.
    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        self._run(lambda b: b.set_tags(name, version, tags), fallback=False)

    def delete_version(self, name: str, version: str) -> None:
        # A repeated deletion of a version the first attempt removed would fail: not-found.
        self._run(lambda b: b.delete_version(name, version), fallback=False, kind=Kind.ONCE)

    def download(self, name: str, version: str, dst: Path) -> Path:
        return self._run(lambda b: b.download(name, version, dst), fallback=False)[0]


class OptionalBackend:
    """``optional`` mode: like auto, but a tracking-server problem is a warning, never a raise.

    Bad input and bad configuration still raise: they are the caller's to fix, and silently
    skipping them would hide bugs.
    """

    def __init__(self, inner: RoutedBackend) -> None:
        self._inner = inner

    @property
    def target(self) -> str:
        return self._inner.target

    @property
    def tracking_uri(self) -> str:
        return self._inner.tracking_uri

    @property
    def pending(self) -> PendingStore:
        return self._inner.pending

    def last_probe(self) -> ProbeResult | None:
        return self._inner.last_probe()

    def _tolerate(self, call: Callable[[], T], fallback: T) -> T:
        try:
            return call()
        except (InvalidInputError, ConfigurationError):
            raise
        except HokusaiError as exc:
            logger.warning("MLflow is optional here, so this is skipped: %s", exc)
            return fallback

    def register(self, request: RegistrationRequest) -> ModelRegistryEntry:
        try:
            return self._inner.register(request)
        except (InvalidInputError, ConfigurationError):
            raise
        except HokusaiError as exc:
            logger.warning("MLflow is optional here, so the registration is skipped: %s", exc)
            return ModelRegistryEntry(
                name=request.name,
                version=None,
                target="skipped",
                tracking_uri=self._inner.tracking_uri,
                reason=f"{type(exc).__name__}: {exc.message}",
                tags=dict(request.tags),
                idempotency_key=request.idempotency_key,
            )

    def get_version(self, name: str, version: str) -> ModelRegistryEntry:
        return self._inner.get_version(name, version)

    def search_versions(
        self, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> list[ModelRegistryEntry]:
        return self._tolerate(lambda: self._inner.search_versions(name=name, tags=tags), [])

    def latest_version(self, name: str) -> ModelRegistryEntry | None:
        return self._tolerate(lambda: self._inner.latest_version(name), None)

    def get_by_alias(self, name: str, alias: str) -> ModelRegistryEntry | None:
        return self._tolerate(lambda: self._inner.get_by_alias(name, alias), None)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._tolerate(lambda: self._inner.set_alias(name, alias, version), None)

    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        self._tolerate(lambda: self._inner.set_tags(name, version, tags), None)

    def delete_version(self, name: str, version: str) -> None:
        # A deletion the caller believes done must not be skipped quietly.
        self._inner.delete_version(name, version)

    def download(self, name: str, version: str, dst: Path) -> Path:
        return self._inner.download(name, version, dst)
