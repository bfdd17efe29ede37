"""One registry's shared "not before" moment, set by a 429 and honoured by all its threads.

The registry limits requests per key. When one thread of a registry is told "429, come back in
X s", the other threads of the same registry (same key, same process) would each spend a
request to learn the same thing, and with the production proxy's ``Retry-After: 60`` each such
request may itself count against the limit. So the first 429 closes the gate until its
``Retry-After`` has passed; a thread about to send waits for that moment instead. Each waiting
thread adds its own spread (``RetryPolicy.spread``), so the threads, and the processes of a
fleet, come back over a short window rather than in one instant.

The gate holds only the moment; the waiting is done by ``RetryPolicy.await_gate`` with the
policy's clock, sleep and deadline (so tests replace time, and no wait passes the deadline).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class RateGate:
    """The moment (on the policy's clock) before which this registry sends nothing."""

    _opens: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # What waiting cost, for a fleet's operator (and the sweep benchmark): how many requests
    # were held back, and for how long in total.
    held: int = 0
    held_seconds: float = 0.0

    def close_until(self, moment: float) -> None:
        """Send nothing before ``moment``; a later moment already set stays."""
        with self._lock:
            self._opens = max(self._opens, moment)

    def opens(self) -> float:
        with self._lock:
            return self._opens

    def count(self, seconds: float) -> None:
        with self._lock:
            self.held += 1
            self.held_seconds += seconds
