"""Waiting out a registry that says "not now" (HTTP 429, 503), within a total deadline.

A sweep of many workers pushes the hosted registry past its rate limit, and the proxy answers
429 with ``Retry-After``; its key-validation service answers 503 with ``Retry-After`` when it
is briefly overloaded. Both mean "come back later", not "gone" nor "refused", so one
registry operation (a registration, a search, a read) is repeated until it succeeds or the
retry deadline (``HOKUSAI_RETRY_DEADLINE``) would pass.

What may be repeated is decided by whether a repeat could do the work twice:

- a 429 comes from the proxy, which answers it *instead of* forwarding the request, so nothing
  was applied: every operation may repeat;
- a 503 may come from behind the proxy after a write was applied. Reads and writes that set a
  value (``IDEMPOTENT``) repeat freely; a registration repeats because it is ``KEYED``: it
  looks up its idempotency key before it creates anything (``MlflowStoreBackend.register``),
  so a version that the failed attempt did create is found and returned, not made again. Any
  other write (``ONCE``: a deletion) repeats only after a 429.

Everything else (refused connections, timeouts, other statuses) is not retried here: the
routing decides whether that falls back to the local store or raises.

How long to wait: the answer's ``Retry-After`` (seconds or an HTTP-date) when it carried one
(or its ``Retry-After-Ms``, the same moment to the millisecond, when the server sends that too),
plus a little jitter so that workers told the same second do not all come back in the same
instant; otherwise full-jitter exponential back-off. Never past the deadline: when the next
wait would end after it, the last error is raised again, saying how long it waited and what
to do.

Nested policies share one deadline: the transport waits out a 429 on the single refused request
(``hokusai.transport.http_bounds``) inside an operation that a policy also wraps; the inner wait
ends no later than the outer deadline, and an error the inner one gave up on is raised by the
outer one as it is (not waited for again, not reworded twice).
"""

from __future__ import annotations

import contextvars
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

from hokusai.config.deadlines import DEFAULT_RETRY_DEADLINE
from hokusai.errors import (
    HokusaiError,
    RateLimitedError,
    RegistryUnavailableError,
)
from hokusai.support.compat import StrEnum
from hokusai.transport.rate_gate import RateGate

logger = logging.getLogger("hokusai")

T = TypeVar("T")

# Back-off without Retry-After: the first wait is up to BASE seconds, doubling up to CAP.
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# Spread added to a Retry-After wait: up to this share of it, at most MAX_SPREAD seconds.
SPREAD = 0.2
MAX_SPREAD = 2.0


class Kind(StrEnum):
    """What a repeat of the operation could do, given that an earlier attempt may have landed."""

    IDEMPOTENT = "idempotent"  # reads, searches, setting a value: repeating changes nothing
    KEYED = "keyed"  # creates that look up their idempotency key first
    ONCE = "once"  # anything else: repeated only when certainly not applied (429)


@dataclass
class _Scope:
    """The running operation's deadline (on the policy's clock) and what was given up on."""

    ends: float
    outer: _Scope | None = None
    gave_up: HokusaiError | None = None

    def report(self, final: HokusaiError) -> None:
        """Tell the enclosing operation that ``final`` already used up the deadline."""
        if self.outer is not None:
            self.outer.gave_up = final


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "hokusai_retry_scope", default=None
)


def parse_retry_after(raw: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP-date.

    None when absent or unreadable; a date in the past is 0.
    """
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return max(0.0, (when - current).total_seconds())


def retry_after_from(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from an answer's headers: ``Retry-After-Ms`` when present, else
    ``Retry-After``.

    ``Retry-After`` has whole seconds only, so a limit that frees a request every 0.125 s can
    only say "1"; a server that knows better can say so in milliseconds (``Retry-After-Ms``, as
    some API gateways send beside ``Retry-After``). The production proxy sends only
    ``Retry-After``, which is then what is waited for.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    precise = lowered.get("retry-after-ms", "").strip()
    try:
        millis = float(precise)
    except ValueError:
        millis = -1.0
    if 0 <= millis < 1e9:
        return millis / 1000.0
    return parse_retry_after(lowered.get("retry-after"))


def retryable(error: HokusaiError, kind: Kind) -> bool:
    """Whether ``error`` means "come back later" and a repeat of ``kind`` is safe."""
    if isinstance(error, RateLimitedError):
        return True
    return (
        isinstance(error, RegistryUnavailableError)
        and error.status == 503
        # Artifact serving switched off upstream does not come back by waiting.
        and error.reason != "artifacts-disabled"
        and kind is not Kind.ONCE
    )


@dataclass
class RetryPolicy:
    """Repeats one registry operation on 429/503 until it succeeds or ``deadline`` would pass.

    ``source`` names where the deadline came from, for the message when it passes. ``sleep``,
    ``clock`` and ``draw`` (uniform in [0, 1)) are replaceable for tests. ``gate`` is the
    registry's shared "not before" moment after a 429 (``hokusai.transport.rate_gate``).
    """

    deadline: float = DEFAULT_RETRY_DEADLINE
    source: str = "default"
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    draw: Callable[[], float] = field(default=random.random)
    gate: RateGate = field(default_factory=RateGate)

    def run(self, call: Callable[[], T], *, kind: Kind, action: str) -> T:
        started = self.clock()
        attempt = 0
        with self._scoped(started) as scope:
            while True:
                attempt += 1
                try:
                    return call()
                except HokusaiError as error:
                    if self.deadline <= 0 or not retryable(error, kind):
                        raise
                    if error is scope.gave_up:
                        # A nested policy waited this out to the shared deadline already.
                        scope.report(error)
                        raise
                    now = self.clock()
                    pause = self.wait_after(error, attempt)
                    if now + pause > scope.ends:
                        final = self._gave_up(error, attempt, now - started, pause)
                        scope.report(final)
                        raise final from error
                    logger.info(
                        "The registry said %s while %s; trying again in %.1f s (attempt %d).",
                        "429 (rate limited)" if isinstance(error, RateLimitedError) else "503",
                        action,
                        pause,
                        attempt + 1,
                    )
                    self.sleep(pause)

    @contextmanager
    def _scoped(self, started: float) -> Iterator[_Scope]:
        outer = _scope.get()
        ends = started + self.deadline
        scope = _Scope(ends if outer is None else min(ends, outer.ends), outer)
        token = _scope.set(scope)
        try:
            yield scope
        finally:
            _scope.reset(token)

    def wait_after(self, error: HokusaiError, attempt: int) -> float:
        """The pause before attempt ``attempt + 1``."""
        told = getattr(error, "retry_after", None)
        if isinstance(told, int | float):
            return float(told) + self.spread(float(told))
        return self.draw() * min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (attempt - 1))

    def spread(self, wait: float) -> float:
        """Random extra time after a told wait, so those told the same moment come back apart."""
        return self.draw() * min(MAX_SPREAD, SPREAD * wait)

    def hold(self, error: RateLimitedError) -> None:
        """A 429 closes the registry's gate until its ``Retry-After`` has passed (none without
        one: the back-off is then the refused thread's own)."""
        if self.deadline > 0 and error.retry_after is not None:
            self.gate.close_until(self.clock() + error.retry_after)

    def await_gate(self) -> None:
        """Before a request: wait while another thread's 429 holds the gate, plus a spread.

        Not past the running operation's deadline: then the request is sent, and its 429 (if
        any) ends the operation with the deadline's message.
        """
        now = self.clock()
        opens = self.gate.opens()
        if opens <= now:
            return
        pause = opens - now + self.spread(opens - now)
        scope = _scope.get()
        ends = scope.ends if scope is not None else now + self.deadline
        if now + pause > ends:
            return
        self.gate.count(pause)
        logger.debug("Another request of this registry was rate limited; waiting %.2f s.", pause)
        self.sleep(pause)

    def _gave_up(
        self, error: HokusaiError, attempts: int, waited: float, pause: float
    ) -> HokusaiError:
        tried = f"{attempts} attempt{'s' if attempts > 1 else ''} over {waited:.1f} s"
        message = (
            f"{error.message} Gave up after {tried}: the next try (in {pause:.1f} s) would pass "
            f"the retry deadline of {self.deadline:g} s (from {self.source})."
        )
        hint = (
            "Try again later, send fewer requests at once (fewer workers or a lower sync "
            "concurrency), or raise HOKUSAI_RETRY_DEADLINE."
        )
        kwargs = {
            "uri": error.uri,
            "key_source": error.key_source,
            "masked_key": error.masked_key,
            "hint": hint,
            "status": error.status,
        }
        final: HokusaiError
        if isinstance(error, RateLimitedError):
            final = RateLimitedError(message, retry_after=error.retry_after, **kwargs)
        else:
            assert isinstance(error, RegistryUnavailableError)
            final = RegistryUnavailableError(
                message, reason=error.reason, retry_after=error.retry_after, **kwargs
            )
        final.idempotency_key = error.idempotency_key
        return final


def no_retries() -> RetryPolicy:
    """A policy that never repeats: for parts built without one."""
    return RetryPolicy(deadline=0)
