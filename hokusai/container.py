"""Every part of a ModelRegistry, declared in one place.

``ModelRegistry()`` builds one ``Container`` per registry, so two registries never share state
(keys, circuit breakers, clients). Tests replace parts with ``container.override_providers``::

    container = Container()
    container.arguments.override({"mode": "remote", "api_key": key})
    container.mlflow_client_factory.override(providers.Object(my_factory))
    registry = ModelRegistry(container=container)
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from dependency_injector import containers, providers

from hokusai.backends.mlflow_store import SEARCH_PAGE_SIZE, MlflowStoreBackend, make_mlflow_client
from hokusai.backends.routing import OptionalBackend, RoutedBackend
from hokusai.backends.user_runs import UserRuns
from hokusai.config import resolution
from hokusai.config.sources import Setting
from hokusai.config.tracking import TrackingConfig
from hokusai.connection import request_auth
from hokusai.connection.probe import CircuitBreaker, ConnectivityProbe
from hokusai.local.pending import PendingStore
from hokusai.platform.registration_event import EventSender
from hokusai.testing.mock_registry import store_for_home
from hokusai.transport.classify import ErrorContext
from hokusai.transport.http_bounds import RegistryTransport, watched_session
from hokusai.transport.mlflow_tls import TlsSettings
from hokusai.transport.retry_policy import RetryPolicy


def _error_context(config: TrackingConfig) -> ErrorContext:
    return ErrorContext(
        uri=config.remote_uri.value,
        key_source=config.credentials.source,
        masked_key=config.credentials.masked,
    )


def _local_context(config: TrackingConfig) -> ErrorContext:
    return ErrorContext(uri=config.local_uri.value)


def _binding(config: TrackingConfig) -> request_auth.Binding | None:
    if config.api_key is None or not config.mode.value.uses_remote:
        return None
    return request_auth.bind(
        config.remote_uri.value,
        config.api_key,
        allow_insecure_http=config.allow_insecure_http.value,
    )


def registry_transport(
    config: TrackingConfig,
    environ: Mapping[str, str],
    binding: request_auth.Binding | None,
    *,
    local: bool = False,
    retry: RetryPolicy | None = None,
) -> RegistryTransport | None:
    """The registry's own HTTP transport to its store (None for a store that is a file)."""
    uri = config.local_uri.value if local else config.remote_uri.value
    if not uri.startswith(("http://", "https://")):
        return None
    return RegistryTransport(
        uri,
        timeout=config.request_timeout.value,
        context=_local_context(config) if local else _error_context(config),
        auth=request_auth.BearerAuth(binding) if binding is not None else None,
        tls=TlsSettings.from_environ(environ),
        retry=retry,
    )


class Container(containers.DeclarativeContainer):
    # What the user passed to ModelRegistry(...): tracking_uri, api_key, mode, home, ...
    arguments: providers.Object[dict[str, object]] = providers.Object({})
    environ = providers.Object(os.environ)
    # What hokusai.configure() set for the process; override with providers.Object({}) to
    # ignore it.
    process_defaults: providers.Provider[Mapping[str, Setting[Any]]] = providers.Callable(
        resolution.process_values
    )
    # argument (or auth=) > hokusai.configure() > HOKUSAI_API_KEY > MLFLOW_TRACKING_TOKEN >
    # the key `hokusai login` stored > the deprecated api_key in $HOKUSAI_HOME/config.
    credentials = providers.Singleton(
        resolution.read_credentials, arguments, environ, process_defaults
    )

    tracking_config = providers.Singleton(
        TrackingConfig.resolve,
        arguments=arguments,
        environ=environ,
        credentials=credentials,
        process=process_defaults,
    )
    mode = providers.Callable(lambda config: config.mode.value.value, tracking_config)

    # Swappable transports: how MLflow clients and the probe's HTTP sessions are made.
    mlflow_client_factory = providers.Object(make_mlflow_client)
    http_session_factory = providers.Object(watched_session)
    # Versions per search request (tests make it small to cross page boundaries).
    search_page_size = providers.Object(SEARCH_PAGE_SIZE)

    binding = providers.Singleton(_binding, tracking_config)
    probe = providers.Singleton(
        ConnectivityProbe,
        config=tracking_config,
        session_factory=http_session_factory,
        tls=providers.Callable(TlsSettings.from_environ, environ),
    )
    breaker = providers.Singleton(
        CircuitBreaker, probe=probe, cooldown=tracking_config.provided.breaker_cooldown.value
    )
    pending_store = providers.Singleton(PendingStore, tracking_config.provided.pending_dir)
    # Waiting out 429/503 around each registry operation; tests swap the sleep (and clock).
    retry_sleep = providers.Object(time.sleep)
    retry_clock = providers.Object(time.monotonic)
    retry_policy = providers.Singleton(
        RetryPolicy,
        deadline=tracking_config.provided.retry_deadline.value,
        source=tracking_config.provided.retry_deadline.source,
        sleep=retry_sleep,
        clock=retry_clock,
    )

    # Registration events: the same deadline and clock, but a 429 gate of their own (the data
    # pipeline API limits events apart from the registry proxy's limit).
    event_sender = providers.Singleton(
        EventSender,
        config=tracking_config,
        tls=providers.Callable(TlsSettings.from_environ, environ),
        retry=providers.Singleton(RetryPolicy, **retry_policy.kwargs),
    )

    # The process's current MLflow tracking store, where a runs:/ URI the registry lacks is
    # looked for (the user's own mlflow.start_run() runs); never the registry's own stores.
    user_runs = providers.Singleton(
        UserRuns,
        providers.List(
            tracking_config.provided.remote_uri.value, tracking_config.provided.local_uri.value
        ),
    )

    remote_store = providers.Singleton(
        MlflowStoreBackend,
        target="remote",
        tracking_uri=tracking_config.provided.remote_uri.value,
        client_factory=mlflow_client_factory,
        experiment=tracking_config.provided.experiment.value,
        error_context=providers.Callable(_error_context, tracking_config),
        request_timeout=tracking_config.provided.request_timeout.value,
        binding=binding,
        # A 429 is waited out on the refused request itself, within the same retry deadline.
        transport=providers.Singleton(
            registry_transport, tracking_config, environ, binding, retry=retry_policy
        ),
        page_size=search_page_size,
        user_runs=user_runs,
    )
    local_store = providers.Singleton(
        MlflowStoreBackend,
        target="local",
        tracking_uri=tracking_config.provided.local_uri.value,
        client_factory=mlflow_client_factory,
        experiment=tracking_config.provided.experiment.value,
        error_context=providers.Callable(_local_context, tracking_config),
        request_timeout=tracking_config.provided.request_timeout.value,
        artifact_root=tracking_config.provided.local_artifact_root.value,
        transport=providers.Singleton(
            registry_transport, tracking_config, environ, None, local=True
        ),
        page_size=search_page_size,
        user_runs=user_runs,
    )
    mock_backend = providers.Singleton(store_for_home, tracking_config.provided.home.value)

    _has_key = providers.Callable(lambda config: config.api_key is not None, tracking_config)
    auto_backend = providers.Singleton(
        RoutedBackend,
        policy="auto",
        remote=remote_store,
        local=local_store,
        breaker=breaker,
        pending=pending_store,
        has_key=_has_key,
        retry=retry_policy,
    )
    # Same parts, but an unreachable registry raises instead of falling back.
    remote_backend = providers.Singleton(
        RoutedBackend, **{**auto_backend.kwargs, "policy": "remote"}
    )
    optional_backend = providers.Singleton(OptionalBackend, inner=auto_backend)

    backend = providers.Selector(
        mode,
        auto=auto_backend,
        remote=remote_backend,
        local=local_store,
        mock=mock_backend,
        optional=optional_backend,
    )
