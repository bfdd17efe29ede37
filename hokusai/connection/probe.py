"""Is the hosted registry there, and does it take this key? Decided fast, then remembered.

The probe is one authenticated, cheap request (search one registered model) with the probe
budget as its total deadline, no retries, an answer capped at ``PROBE_ANSWER_CAP`` bytes, and
MLflow's own TLS settings (``hokusai.transport.mlflow_tls``), as MLflow's client would send it.
The breaker keeps the verdict for a cooldown so that a laptop offline does not pay the timeout
on every call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from hokusai.config.tracking import TrackingConfig
from hokusai.connection.request_auth import auth_for
from hokusai.errors import HokusaiError, RegistryUnavailableError
from hokusai.models import ProbeResult, Verdict
from hokusai.transport.classify import ErrorContext, from_response, from_transport
from hokusai.transport.http_bounds import RegistryTransport, watched_session
from hokusai.transport.http_trace import json_body
from hokusai.transport.mlflow_tls import TlsSettings

PROBE_PATH = "/api/2.0/mlflow/registered-models/search"
_GRACE_SECONDS = 0.25
# The answer is one page of at most one model; anything near this size is not the registry.
PROBE_ANSWER_CAP = 1024 * 1024


@dataclass(frozen=True)
class ProbeOutcome:
    result: ProbeResult
    error: HokusaiError | None

    @property
    def reachable(self) -> bool:
        return self.result.verdict == "ok"


SessionFactory = Callable[[], requests.Session]


class ConnectivityProbe:
    """Checks the remote registry once, within ``config.probe_timeout``."""

    def __init__(
        self,
        config: TrackingConfig,
        session_factory: SessionFactory = watched_session,
        tls: TlsSettings | None = None,
    ):
        self._config = config
        self._session_factory = session_factory
        self._tls = tls if tls is not None else TlsSettings.from_environ()

    def error_context(self, action: str = "checking the registry") -> ErrorContext:
        creds = self._config.credentials
        return ErrorContext(
            uri=self._config.remote_uri.value,
            key_source=creds.source,
            masked_key=creds.masked,
            action=action,
        )

    def check(self) -> ProbeOutcome:
        """One check, answered within the probe budget (plus a fraction of a second).

        ``requests`` bounds the connect and the read separately and does not bound name
        resolution at all, so the request runs in a worker thread and a hung resolver still gets
        a verdict on time. The request itself has a total deadline and a size cap, so the worker
        stops by itself soon after (a trickling or endless answer is cut off, not read on).
        """
        started = time.perf_counter()
        answers: list[ProbeOutcome] = []
        worker = threading.Thread(
            target=lambda: answers.append(self._request()), name="hokusai-probe", daemon=True
        )
        worker.start()
        worker.join(self._config.probe_timeout.value + _GRACE_SECONDS)
        if answers:
            return answers[0]
        error = RegistryUnavailableError(
            f"The registry did not answer within {self._config.probe_timeout.value:g} s "
            "(name resolution or the connection hung).",
            reason="timeout",
            **self.error_context().kwargs(),
        )
        return self._outcome(started, error, status=None)

    def _request(self) -> ProbeOutcome:
        config = self._config
        uri = config.remote_uri.value
        ctx = self.error_context()
        started = time.perf_counter()
        auth = (
            auth_for(uri, config.api_key, allow_insecure_http=config.allow_insecure_http.value)
            if config.api_key
            else None
        )
        try:
            with self._session_factory() as session:
                transport = RegistryTransport(
                    uri,
                    timeout=config.probe_timeout.value,
                    context=ctx,
                    auth=auth,
                    tls=self._tls,
                    answer_cap=PROBE_ANSWER_CAP,
                    session=session,
                    timeout_setting="HOKUSAI_PROBE_TIMEOUT",
                )
                response = transport.answer("GET", PROBE_PATH, params={"max_results": 1})
        except HokusaiError as bounded:
            return self._outcome(started, bounded, status=bounded.status)
        except requests.RequestException as exc:
            error = from_transport(exc, ctx) or RegistryUnavailableError(
                f"The registry could not be reached ({type(exc).__name__}).", **ctx.kwargs()
            )
            return self._outcome(started, error, status=None)
        if response.status_code == 200:
            return ProbeOutcome(ProbeResult("ok", _ms(started), 200), None)
        error = from_response(
            response.status_code, json_body(response), dict(response.headers), ctx
        )
        return self._outcome(started, error, status=response.status_code)

    @staticmethod
    def _outcome(started: float, error: HokusaiError, status: int | None) -> ProbeOutcome:
        verdict: Verdict = (
            "unreachable" if isinstance(error, RegistryUnavailableError) else "rejected"
        )
        reason = getattr(error, "reason", None) or type(error).__name__
        return ProbeOutcome(ProbeResult(verdict, _ms(started), status, str(reason)), error)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


class CircuitBreaker:
    """Remembers the probe's verdict for ``cooldown`` seconds; probes again after that.

    An operation that finds the registry gone mid-way trips it, so the next call goes straight
    to the fallback instead of waiting on a dead server again.
    """

    def __init__(
        self,
        probe: ConnectivityProbe,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._last: ProbeOutcome | None = None
        self._at = 0.0

    @property
    def last(self) -> ProbeResult | None:
        return self._last.result if self._last else None

    def outcome(self) -> ProbeOutcome:
        with self._lock:
            fresh = self._last is not None and self._clock() - self._at < self._cooldown
            # A rejection (bad key) is not cached: the user may fix the key and call again.
            if fresh and self._last is not None and self._last.result.verdict != "rejected":
                return self._last
            self._last = self._probe.check()
            self._at = self._clock()
            return self._last

    def trip(self, error: RegistryUnavailableError) -> None:
        with self._lock:
            self._last = ProbeOutcome(
                ProbeResult("unreachable", None, error.status, error.reason), error
            )
            self._at = self._clock()

    def reset(self) -> None:
        with self._lock:
            self._last = None
