"""The SDK's own HTTP transport to one registry: no retries, a total deadline, size caps.

``requests`` bounds each socket read, not the request: a server that sends one byte a second
never trips a 3 s read timeout and holds the call for as long as it likes. Every request made
here runs under a watchdog that shuts the request's socket down when the deadline passes, so a
blocked read ends at once in whatever phase the request is (sending, waiting for the headers,
reading the body). Answers the SDK reads into memory are read in chunks and stopped at a cap.
File transfers earn more time as bytes move (``MIN_TRANSFER_RATE``): a large artifact that
streams steadily is not cut off, a trickle is.

Each registry owns one ``RegistryTransport`` (its timeout, key, TLS settings), so two registries
never share settings and nothing in the process environment changes.

One retry is made here: a request the proxy refused with 429 is sent again (an upload re-opens
its file), after its ``Retry-After`` or a jittered back-off, within the registry's retry deadline
(its ``RetryPolicy``), each attempt under its own total deadline. The 429 also holds back the
registry's other threads until that moment (the policy's ``RateGate``), so they do not each
spend a request to be told the same. The proxy answers 429 *instead
of* forwarding, so the request was never applied and any method may repeat; repeating it alone
keeps a registration from starting over (a new run, a new logged model, every upload again).
A 503 may have been applied behind the proxy, so it is left to the operation's policy, which
looks the idempotency key up before creating again; its ``Retry-After`` reaches that policy
through the operation's response log (``hokusai.transport.http_trace``).

Not covered by the watchdog: name resolution and the TLS handshake of a new connection, which
happen before the socket is known; the per-read timeout still bounds the handshake, and the
connectivity check runs in a worker thread with its own budget for the resolver.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from hokusai.errors import RateLimitedError, RegistryUnavailableError
from hokusai.transport import http_trace, log_masking
from hokusai.transport.classify import ErrorContext, causes, from_response
from hokusai.transport.mlflow_tls import TlsSettings
from hokusai.transport.proxy_route import LoopbackDirectAdapter
from hokusai.transport.retry_policy import Kind, RetryPolicy, no_retries

# Before the first request: urllib3's DEBUG lines quote URLs, secrets in the query included.
log_masking.install()

# A transfer slower than this on average counts as stalled: each byte moved buys 1/rate seconds.
MIN_TRANSFER_RATE = 64 * 1024
# The largest JSON answer read into memory (MLflow's biggest pages are a few MB).
ANSWER_CAP = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class _Watch:
    """Shuts the sockets of one request down once its deadline has passed."""

    def __init__(self, seconds: float) -> None:
        self._cond = threading.Condition()
        self._until = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._open = True
        self.expired = False

    def extend(self, seconds: float) -> None:
        with self._cond:
            self._until += seconds

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._cond:
            if all(s is not sock for s in self._sockets):
                self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def run(self) -> None:
        with self._cond:
            while self._open:
                remaining = self._until - time.monotonic()
                if remaining <= 0:
                    self.expired = True
                    for sock in self._sockets:
                        _shut(sock)
                    return
                self._cond.wait(remaining)

    def close(self) -> None:
        with self._cond:
            self._open = False
            self._cond.notify_all()


def _shut(sock: socket.socket) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: the latter unwraps TLS under a reader.
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar(
    "hokusai_request_watch", default=None
)


def _attach(sock: socket.socket | None) -> None:
    watch = _current.get()
    if watch is not None:
        watch.attach(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _attach(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(LoopbackDirectAdapter):
    """An adapter (no retries) whose connections report their sockets to the running watch.

    Loopback registries are reached direct, never through a proxy
    (``hokusai.transport.proxy_route``).
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def watched_session() -> requests.Session:
    session = requests.Session()
    adapter = WatchedAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _Expired(Exception):
    pass


class _TooLarge(Exception):
    pass


@contextmanager
def _deadline(seconds: float) -> Iterator[_Watch]:
    watch = _Watch(seconds)
    token = _current.set(watch)
    watchdog = threading.Thread(target=watch.run, name="hokusai-deadline", daemon=True)
    watchdog.start()
    try:
        yield watch
    except Exception as exc:
        if watch.expired:
            raise _Expired() from exc
        raise
    finally:
        watch.close()
        _current.reset(token)
    if watch.expired:
        raise _Expired()


# What a socket read or connect that outlived its timeout raises, wrapped by requests or not.
# Not urllib3's TimeoutError as a whole: a refused connection (NewConnectionError) is one.
_SOCKET_TIMEOUTS = (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError, TimeoutError)


def read_capped(response: requests.Response, cap: int) -> bytes:
    """The body, read in chunks; ``_TooLarge`` as soon as it passes ``cap`` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _TooLarge()
    parts: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > cap:
            raise _TooLarge()
        parts.append(chunk)
    body = b"".join(parts)
    # Later readers (json(), text) must find the body already here.
    response._content = body
    return body


class RegistryTransport:
    """HTTP to one registry: its key, its TLS settings, its timeout as a total deadline."""

    def __init__(
        self,
        base_uri: str,
        *,
        timeout: float,
        context: ErrorContext,
        auth: requests.auth.AuthBase | None = None,
        tls: TlsSettings | None = None,
        answer_cap: int = ANSWER_CAP,
        session: requests.Session | None = None,
        timeout_setting: str = "HOKUSAI_REQUEST_TIMEOUT",
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_uri = base_uri.rstrip("/")
        self.timeout = timeout
        self._ctx = context
        self._auth = auth
        self._tls = tls or TlsSettings()
        self._cap = answer_cap
        self._session = session or watched_session()
        self._timeout_setting = timeout_setting
        self._retry = retry or no_retries()

    def url(self, endpoint: str) -> str:
        return endpoint if "://" in endpoint else self.base_uri + endpoint

    def answer(
        self,
        method: str,
        endpoint: str,
        *,
        log: http_trace.ResponseLog | None = None,
        cap: int | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One request whose answer is read whole, within the deadline and the size cap."""
        url = self.url(endpoint)
        limit = self._cap if cap is None else cap

        def once() -> requests.Response:
            with (
                self._bounded(method, url, self.timeout, limit),
                self._send(method, url, log, **kwargs) as response,
            ):
                read_capped(response, limit)
                return response

        return self._admitted(method, url, once, log)

    def upload(
        self,
        endpoint: str,
        local_file: Path,
        *,
        headers: Mapping[str, str] | None = None,
        log: http_trace.ResponseLog | None = None,
    ) -> requests.Response:
        """PUT a file; the deadline grows with its size (``MIN_TRANSFER_RATE``)."""
        url = self.url(endpoint)
        budget = self.timeout + os.path.getsize(local_file) / MIN_TRANSFER_RATE

        def once() -> requests.Response:
            # Opened per attempt: a body refused with 429 is sent again from its first byte.
            with (
                self._bounded("PUT", url, budget, self._cap),
                local_file.open("rb") as body,
                self._send("PUT", url, log, data=body, headers=dict(headers or {})) as response,
            ):
                read_capped(response, self._cap)
                return response

        return self._admitted("PUT", url, once, log)

    def download(
        self, endpoint: str, local_file: Path, *, log: http_trace.ResponseLog | None = None
    ) -> None:
        """GET into a file; each chunk received extends the deadline (``MIN_TRANSFER_RATE``).

        An error answer raises ``requests.HTTPError`` (its body read within the cap).
        """
        url = self.url(endpoint)

        def once() -> requests.Response:
            with (
                self._bounded("GET", url, self.timeout, self._cap) as watch,
                self._send("GET", url, log) as response,
            ):
                if response.status_code >= 400:
                    read_capped(response, self._cap)
                    return response
                with local_file.open("wb") as out:
                    for chunk in response.iter_content(_CHUNK):
                        out.write(chunk)
                        watch.extend(len(chunk) / MIN_TRANSFER_RATE)
                return response

        self._admitted("GET", url, once, log).raise_for_status()

    def _admitted(
        self,
        method: str,
        url: str,
        once: Callable[[], requests.Response],
        log: http_trace.ResponseLog | None,
    ) -> requests.Response:
        """``once()`` again while the proxy refuses it with 429, within the retry deadline.

        Without a retry deadline the 429 answer is returned like any other; past it, the
        policy's ``RateLimitedError`` says how long it waited and what to do. Once a repeat is
        answered, the 429s it outlived leave the operation's response log: a later failure
        must not be reported as rate limiting.
        """
        if self._retry.deadline <= 0:
            return once()
        ctx = dataclasses.replace(self._ctx, action=f"sending {method} {_path(url)}")
        logs = {id(x): x for x in (log, http_trace.current()) if x is not None}.values()
        refused: list[http_trace.SeenResponse | None] = []

        def attempt() -> requests.Response:
            self._retry.await_gate()
            response = once()
            if response.status_code == 429:
                refused.extend(x.last_error for x in logs if _is_429(x.last_error))
                body = http_trace.json_body(response)
                error = from_response(429, body, response.headers, ctx)
                assert isinstance(error, RateLimitedError)
                self._retry.hold(error)
                raise error
            return response

        response = self._retry.run(attempt, kind=Kind.ONCE, action=ctx.action)
        for seen in logs:
            seen.outlived(refused)
        return response

    @contextmanager
    def _bounded(self, method: str, url: str, budget: float, cap: int) -> Iterator[_Watch]:
        """Run one request under a ``budget``-second deadline; typed errors when it or the
        answer's ``cap`` is passed."""
        try:
            with _deadline(budget) as watch:
                yield watch
        except _Expired:
            raise self._timed_out(method, url, budget) from None
        except _TooLarge:
            raise self._too_large(method, url, cap) from None
        except requests.exceptions.RequestException as exc:
            # The per-read timeout is the same number of seconds: when it fires first (a loaded
            # machine, or a transfer whose budget is longer) the user reads the same message.
            if not any(isinstance(c, _SOCKET_TIMEOUTS) for c in causes(exc)):
                raise
            raise self._timed_out(method, url, self.timeout, silent=budget > self.timeout) from None

    @contextmanager
    def _send(
        self, method: str, url: str, log: http_trace.ResponseLog | None, **kwargs: Any
    ) -> Iterator[requests.Response]:
        hooks = {"response": [log.record]} if log is not None else None
        # Read at most `timeout` per socket operation too, so a dead connection is noticed
        # before the deadline when the deadline is long (a large transfer).
        response = self._session.request(
            method,
            url,
            auth=self._auth,
            timeout=self.timeout,
            verify=self._tls.verify,
            cert=self._tls.cert,
            # A redirect could carry the request (and its key) elsewhere; registries never do.
            allow_redirects=False,
            stream=True,
            hooks=hooks,
            **kwargs,
        )
        try:
            if response.is_redirect:
                raise self._redirected(method, url, response.status_code)
            yield response
        finally:
            response.close()

    def _redirected(self, method: str, url: str, status: int) -> RegistryUnavailableError:
        return self._unavailable(
            f"The registry redirected {method} {_path(url)} (HTTP {status}) while "
            f"{self._ctx.action}; the SDK does not follow redirects (they could carry the key "
            "elsewhere), and the registry never sends one, so the tracking URI is probably wrong.",
            "redirect",
            "Set HOKUSAI_TRACKING_URI to https://registry.hokus.ai/api/mlflow.",
            status=status,
        )

    def _timed_out(
        self, method: str, url: str, budget: float, *, silent: bool = False
    ) -> RegistryUnavailableError:
        what = (
            f"sent nothing for {budget:g} s on {method} {_path(url)}"
            if silent
            else f"did not finish answering {method} {_path(url)} within {budget:g} s"
        )
        return self._unavailable(
            f"The registry {what} while {self._ctx.action} (the connection stayed open but the "
            "answer did not complete), so the request was abandoned.",
            "timeout",
            f"If the registry is only slow, raise {self._timeout_setting}; otherwise check the "
            "network and any proxy in between with `hokusai doctor`.",
        )

    def _too_large(self, method: str, url: str, cap: int) -> RegistryUnavailableError:
        return self._unavailable(
            f"The answer to {method} {_path(url)} was larger than {cap:,} bytes while "
            f"{self._ctx.action}; reading stopped there. A registry never answers that much, so "
            "the tracking URI probably names something else.",
            "oversized-answer",
            "Check HOKUSAI_TRACKING_URI (and `hokusai doctor`).",
        )

    def _unavailable(
        self, message: str, reason: str, hint: str, status: int | None = None
    ) -> RegistryUnavailableError:
        return RegistryUnavailableError(
            message, reason=reason, hint=hint, status=status, **self._ctx.kwargs()
        )


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _is_429(seen: http_trace.SeenResponse | None) -> bool:
    return seen is not None and seen.status == 429
