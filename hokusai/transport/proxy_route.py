"""Which proxy a request to a registry goes through: none for this machine.

``requests`` sends a plain-http request through ``HTTP_PROXY``/``ALL_PROXY`` whatever its host,
and a proxy for plain http receives the whole request, ``Authorization: Bearer <key>``
included. A registry on this machine (``localhost``, ``127.0.0.0/8``, ``::1``) is never behind
a proxy (the proxy's own loopback is another place), so its requests go direct, as Go's
``ProxyFromEnvironment`` does. An https registry through a proxy is tunnelled (``CONNECT``):
the proxy sees the host name, not the key. A plain-http registry elsewhere is refused unless
``HOKUSAI_ALLOW_INSECURE_HTTP`` accepts exactly that exposure.

Decided per request at the transport adapter, never through ``NO_PROXY`` in ``os.environ``
(process-wide, and ``requests`` reads it on every request of every thread):

- :func:`route` is the decision: the ``proxies`` mapping an adapter sends a URL with;
- :class:`LoopbackDirectAdapter` applies it; the SDK's transport
  (``hokusai.transport.http_bounds``),
  which carries every request the SDK makes (MLflow's REST calls and artifact transfers
  included, see ``hokusai.mlflow_internals.routes``), is built on it. MLflow's own adapter is left
  alone: a user's own MLflow code keeps MLflow's behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from hokusai.config.urls import host_of, is_loopback


def goes_direct(url: str) -> bool:
    """True for a URL on this machine: it bypasses every proxy."""
    host = host_of(url)
    return host is not None and is_loopback(host)


def route(url: str, proposed: Mapping[str, str] | None) -> dict[str, str]:
    """The ``proxies`` an adapter should send ``url`` with: none for loopback, else ``proposed``.

    ``proposed`` is what ``requests`` resolved from the environment and the session.
    """
    if goes_direct(url):
        return {}
    return dict(proposed or {})


@dataclass(frozen=True)
class ProxyUse:
    """The proxy a registry's requests go through, for ``doctor``. Never user:password."""

    proxy: str | None
    bypassed: bool

    def describe(self) -> str:
        if self.bypassed:
            return "none: loopback registries bypass proxies"
        if self.proxy is None:
            return "none"
        return self.proxy


def proxy_use(url: str) -> ProxyUse:
    """The proxy ``requests`` would pick for ``url`` from the environment, after :func:`route`."""
    environ = requests.utils.get_environ_proxies(url)
    chosen = requests.utils.select_proxy(url, route(url, environ))
    if chosen is None:
        return ProxyUse(None, bypassed=goes_direct(url) and _environ_would_proxy(url, environ))
    parts = urlsplit(chosen if "://" in chosen else f"http://{chosen}")
    port = f":{parts.port}" if parts.port else ""
    return ProxyUse(f"{parts.scheme}://{parts.hostname}{port}", bypassed=False)


def _environ_would_proxy(url: str, environ: Mapping[str, str]) -> bool:
    return requests.utils.select_proxy(url, dict(environ)) is not None


def _routed_proxies(request: requests.PreparedRequest, args: tuple[Any, ...], kwargs: Any) -> None:
    # HTTPAdapter.send(request, stream, timeout, verify, cert, proxies): requests passes them
    # by keyword; a caller passing all five positionally is handled too.
    url = str(request.url)
    if len(args) >= 5:
        kwargs["proxies"] = route(url, args[4])
    else:
        kwargs["proxies"] = route(url, kwargs.get("proxies"))


class LoopbackDirectAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that sends loopback requests direct, whatever the proxy settings."""

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        _routed_proxies(request, args, kwargs)
        return super().send(request, *args[:4], **kwargs)


__all__ = [
    "LoopbackDirectAdapter",
    "ProxyUse",
    "goes_direct",
    "proxy_use",
    "route",
]
