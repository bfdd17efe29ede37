"""The network primitives ``doctor`` checks with: resolve, connect, handshake.

:class:`SocketNetwork` is the real network; tests pass their own :class:`Network` (the fake
registry has no real host to resolve or connect to).
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from typing import Any, Protocol
from urllib.parse import SplitResult, urlsplit

import requests

from hokusai.transport.proxy_route import route


class Network(Protocol):
    def resolve(self, host: str, port: int, timeout: float) -> list[str]: ...

    def connect(self, address: str, port: int, timeout: float) -> None: ...

    def handshake(self, host: str, address: str, port: int, timeout: float) -> str:
        """Complete a verified TLS handshake; returns the protocol version."""
        ...


class SocketNetwork:
    """The real network: the system resolver, TCP, and TLS verified the way ``requests`` does."""

    def resolve(self, host: str, port: int, timeout: float) -> list[str]:
        # getaddrinfo has no timeout; a hung resolver must not hang doctor, so it runs aside.
        found: list[Any] = []
        failed: list[OSError] = []

        def lookup() -> None:
            try:
                found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except OSError as exc:
                failed.append(exc)

        worker = threading.Thread(target=lookup, daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise TimeoutError(f"the resolver did not answer within {timeout:g} s")
        if failed:
            raise failed[0]
        return list(dict.fromkeys(str(info[4][0]) for info in found))

    def connect(self, address: str, port: int, timeout: float) -> None:
        with socket.create_connection((address, port), timeout=timeout):
            pass

    def handshake(self, host: str, address: str, port: int, timeout: float) -> str:
        context = _requests_tls_context()
        with (
            socket.create_connection((address, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            return tls.version() or "TLS"


def _requests_tls_context() -> ssl.SSLContext:
    # Verify against the CA bundle requests (and so MLflow) uses, not the system store: a
    # check that trusts other roots than the SDK would pass where registration fails.
    bundle = (
        os.environ.get("REQUESTS_CA_BUNDLE")
        or os.environ.get("CURL_CA_BUNDLE")
        or requests.utils.DEFAULT_CA_BUNDLE_PATH
    )
    if os.path.isdir(bundle):
        return ssl.create_default_context(capath=bundle)
    return ssl.create_default_context(cafile=bundle)


def proxy_for(url: str) -> SplitResult | None:
    """The proxy the SDK sends ``url`` through (HTTPS_PROXY, ...; never for loopback), if any."""
    proxies = route(url, requests.utils.get_environ_proxies(url))
    proxy = requests.utils.select_proxy(url, proxies)
    # Only the host and port are ever shown: a proxy URL may carry user:password.
    return urlsplit(proxy if "://" in proxy else f"http://{proxy}") if proxy else None
