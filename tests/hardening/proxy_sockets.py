"""Loopback sockets for the proxy tests: a proxy that records what it is sent, a stub registry."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Seen:
    method: str
    target: str
    headers: dict[str, str]


@dataclass
class Recorder:
    """A loopback HTTP server that keeps every request line and header it receives."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)

    def authorizations(self) -> list[str]:
        return [s.headers["authorization"] for s in self.seen if "authorization" in s.headers]


def _handler(recorder: Recorder, status: int, body: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            recorder.seen.append(Seen(self.command, self.path, headers))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_CONNECT = _answer

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def recorder(status: int = 502, answer: object | None = None) -> Iterator[Recorder]:
    """A server on 127.0.0.1 answering every request with ``status`` and ``answer`` (JSON)."""
    seen = Recorder()
    body = json.dumps(answer if answer is not None else {"error": "proxy"}).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(seen, status, body))
    seen.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
