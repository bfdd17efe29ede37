"""Run a few independent registry requests at once, as the calling thread would run them.

A registration's requests mostly wait on the server; those that do not depend on each other
(the model's files; ending the run, finishing the logged model and looking up the registered
model) can wait together. Each call runs in a copy of the caller's context, where the
operation's key, response log and retry deadline live, so it is sent as the caller would send
it; a failure is raised in the caller as it was raised in its thread, and the operation's
response log holds that failure's answer (not another call's), so it is classified as it
would have been had the calls run one after another.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from hokusai.transport import http_trace

T = TypeVar("T")


@dataclass
class _Outcome(Generic[T]):
    value: T | None = None
    error: Exception | None = None
    seen: http_trace.SeenResponse | None = None


def _traced(call: Callable[[], T]) -> _Outcome[T]:
    with http_trace.traced() as log:
        try:
            return _Outcome(value=call())
        except Exception as exc:
            return _Outcome(error=exc, seen=log.last_error)


def run_all(calls: Sequence[Callable[[], T]], *, at_most: int) -> list[T]:
    """The results of ``calls`` in order, at most ``at_most`` running at a time.

    The first failure (in the order of ``calls``) is raised once the calls already running
    have ended; calls not started by then are not started.
    """
    if len(calls) <= 1 or at_most <= 1:
        return [call() for call in calls]
    operation_log = http_trace.current()
    pool = ThreadPoolExecutor(
        max_workers=min(at_most, len(calls)), thread_name_prefix="hokusai-request"
    )
    try:
        futures = [pool.submit(contextvars.copy_context().run, _traced, call) for call in calls]
        results: list[T] = []
        for future in futures:
            outcome = future.result()
            if outcome.error is not None:
                pool.shutdown(wait=True, cancel_futures=True)
                if operation_log is not None and outcome.seen is not None:
                    operation_log.last_error = outcome.seen
                raise outcome.error
            results.append(outcome.value)  # type: ignore[arg-type]
        return results
    finally:
        pool.shutdown(wait=True)
