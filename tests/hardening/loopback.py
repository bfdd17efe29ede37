"""A raw-socket HTTP server on 127.0.0.1 that misbehaves on purpose: it stalls, trickles,
answers without end, or answers normally, path by path, and records what each connection saw
(the request, bytes sent, whether and when the client hung up)."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROBE_PATH = "/api/2.0/mlflow/registered-models/search"


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A well-behaved standard-library HTTP server on 127.0.0.1, in a thread: its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Exchange:
    """One connection as the server saw it."""

    method: str = ""
    path: str = ""
    opened: float = field(default_factory=time.monotonic)
    closed: float | None = None
    sent: int = 0
    hung_up: threading.Event = field(default_factory=threading.Event)

    def open_for(self) -> float:
        return (self.closed or time.monotonic()) - self.opened


class Peer:
    """The server side of one connection, for a behaviour to write to."""

    def __init__(self, sock: socket.socket, exchange: Exchange, stopping: threading.Event):
        self.sock = sock
        self.exchange = exchange
        self.stopping = stopping

    def send(self, data: bytes) -> bool:
        """False once the client has gone (or the server is stopping)."""
        if self.stopping.is_set():
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            self.gone()
            return False
        self.exchange.sent += len(data)
        return True

    def gone(self) -> None:
        if not self.exchange.hung_up.is_set():
            self.exchange.closed = time.monotonic()
            self.exchange.hung_up.set()

    def wait_for_hang_up(self) -> None:
        """Block (reading) until the client closes the connection."""
        self.sock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                if self.sock.recv(4096) == b"":
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        self.gone()

    def answer(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
        ).encode()
        self.send(head + payload)


Behaviour = Callable[[Peer], None]


def stall(peer: Peer) -> None:
    """Accept the request and never answer."""
    peer.wait_for_hang_up()


def trickle(peer: Peer, every: float = 0.2, limit: float = 120.0) -> None:
    """Answer 200 and then a JSON body one byte at a time, each well within any read timeout."""
    peer.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    ends = time.monotonic() + limit
    while time.monotonic() < ends and peer.send(b" "):
        time.sleep(every)
    peer.gone()


def endless(peer: Peer, limit: int = 512 * 1024 * 1024) -> None:
    """Answer 200 with a body that goes on (up to ``limit`` bytes) as fast as the client reads."""
    peer.send(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"x": "')
    chunk = b"a" * 65536
    while peer.exchange.sent < limit and peer.send(chunk):
        pass
    peer.gone()


def probe_ok(peer: Peer) -> None:
    peer.answer(200, {"registered_models": []})


class LoopbackServer:
    """Serves ``routes`` (path prefix -> behaviour; the first match wins, else ``default``)."""

    def __init__(
        self,
        default: Behaviour,
        routes: dict[str, Behaviour] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._default = default
        self._routes = routes or {}
        self._tls = tls
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.exchanges: list[Exchange] = []
        self._seen = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        exchange = Exchange()
        try:
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_side=True)
            exchange.method, exchange.path = _read_request(sock)
        except (OSError, ValueError):
            sock.close()
            return
        with self._seen:
            self.exchanges.append(exchange)
            self._seen.notify_all()
        behaviour = next(
            (b for prefix, b in self._routes.items() if exchange.path.startswith(prefix)),
            self._default,
        )
        peer = Peer(sock, exchange, self._stopping)
        try:
            behaviour(peer)
        finally:
            sock.close()

    def wait_for(self, count: int, path: str = "", limit: float = 60.0) -> list[Exchange]:
        """The first ``count`` exchanges on paths starting with ``path``, once they arrived."""
        with self._seen:
            self._seen.wait_for(
                lambda: len(self.matching(path)) >= count or self._stopping.is_set(), limit
            )
            return self.matching(path)[:count]

    def matching(self, path: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.path.startswith(path)]

    def close(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._seen:
            self._seen.notify_all()


def _read_request(sock: socket.socket) -> tuple[str, str]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("closed before a request")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    length = next(
        (int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length")),
        0,
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, target.split("?", 1)[0]


class Servers:
    """Starts loopback servers for one test and closes them all at its end."""

    def __init__(self) -> None:
        self._started: list[LoopbackServer] = []

    def __call__(
        self,
        default: Behaviour,
        routes: dict[str, Behaviour] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> LoopbackServer:
        server = LoopbackServer(default, routes, tls)
        self._started.append(server)
        return server

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *_exc: object) -> None:
        for server in self._started:
            server.close()
