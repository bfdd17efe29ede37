"""``registry.client``: an ``MlflowClient`` for raw MLflow calls, scoped like the SDK's own.

Every public method call runs with this registry's key bound for the calling thread
(``request_auth.acting_as``), so a call made from any thread sends this registry's key and no
other, even when another registry with another key talks to the same URI. Artifact transfers,
which MLflow runs in its own thread pool, pin the key for the URI while they run. Tracking,
registry and artifact requests go through the registry's own transport
(``hokusai.mlflow_internals.routes``): no retries, the registry's timeout as a total deadline,
MLflow's TLS settings; the process environment is never changed. MLflow's own exceptions pass
through unchanged (a request past its deadline is a ``RegistryUnavailableError``, a
``ConnectionError``): this is the escape hatch, not the SDK's API.
"""

from __future__ import annotations

import contextvars
import functools
from typing import Any

from mlflow import MlflowClient

from hokusai.connection.request_auth import BearerAuth, Binding, acting_as, pinned
from hokusai.errors import ConfigurationError, mask_keys
from hokusai.mlflow_internals.routes import route_through
from hokusai.transport.classify import ErrorContext
from hokusai.transport.http_bounds import RegistryTransport
from hokusai.transport.mlflow_tls import TlsSettings

# Set while a scoped call runs: MLflow's methods call each other, and the pin lock is not
# re-entrant.
_inside: contextvars.ContextVar[bool] = contextvars.ContextVar("hokusai_client_call", default=False)
_THREADED = ("artifact", "download")


class ScopedMlflowClient(MlflowClient):
    """An ``MlflowClient`` on one registry's URI that sends that registry's key."""

    def __init__(self, tracking_uri: str, *, binding: Binding | None, timeout: float) -> None:
        super().__init__(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        if tracking_uri.startswith(("http://", "https://")):
            transport = RegistryTransport(
                tracking_uri,
                timeout=timeout,
                context=ErrorContext(tracking_uri),
                auth=BearerAuth(binding) if binding is not None else None,
                tls=TlsSettings.from_environ(),
            )
            route_through(self, transport)
        self._hokusai_scope = (binding, timeout)
        self._hokusai_closed = False

    def _hokusai_close(self) -> None:
        """The registry was closed: its key must not be sent any more, by this client either."""
        self._hokusai_closed = True

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name.startswith("_") or not callable(attr) or _inside.get():
            return attr
        binding, _timeout = super().__getattribute__("_hokusai_scope")
        closed = super().__getattribute__("_hokusai_closed")
        threads = any(word in name for word in _THREADED)

        @functools.wraps(attr)
        def scoped(*args: Any, **kwargs: Any) -> Any:
            if closed:
                raise ConfigurationError(
                    "This registry is closed, so its client no longer sends its key.",
                    hint="Build a new ModelRegistry for further calls.",
                )
            token = _inside.set(True)
            try:
                with acting_as(binding), pinned(binding if threads else None):
                    return attr(*args, **kwargs)
            finally:
                _inside.reset(token)

        return scoped

    def __repr__(self) -> str:
        return f"ScopedMlflowClient(tracking_uri={mask_keys(self.tracking_uri)!r})"
