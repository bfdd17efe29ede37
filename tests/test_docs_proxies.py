"""docs/proxies.md's claim: through HTTPS_PROXY the registry is reached by a CONNECT tunnel,
and the proxy never sees the key (it travels inside the tunnel's TLS)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from hokusai import ModelRegistry, RegistryUnavailableError


@pytest.fixture
def refusing_proxy() -> Iterator[tuple[str, list[bytes]]]:
    """A proxy on loopback that records what it is sent and refuses every tunnel (502)."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                received.append(conn.recv(65536))
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        listener.close()


def test_the_registry_is_reached_through_a_connect_tunnel_that_hides_the_key(
    refusing_proxy: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch, keys: dict[str, str]
) -> None:
    proxy_url, received = refusing_proxy
    monkeypatch.setenv("HTTPS_PROXY", proxy_url)
    registry = ModelRegistry(api_key=keys["alice"], mode="remote")

    with pytest.raises(RegistryUnavailableError):
        registry.register_model("models:/anything/1", "churn")

    assert received, "nothing went through the proxy"
    assert all(r.startswith(b"CONNECT registry.hokus.ai:443 ") for r in received), received
    assert not any(b"authorization" in r.lower() for r in received)
    assert not any(keys["alice"].encode() in r for r in received)
