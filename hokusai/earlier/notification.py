"""The earlier SDK's ``hokusai.core.notification``, on ``hokusai.platform.registration_event``.

Scripts that built and sent a tokenized model's registration event themselves keep working.
The event goes where a ``ModelRegistry`` sends it, with the same rules: the key only over https
(plain http only to this machine, or with ``HOKUSAI_ALLOW_INSECURE_HTTP``), only to that
endpoint and never through a redirect; a 429 is waited out (``HOKUSAI_RETRY_DEADLINE``). Every
failure to deliver is a ``NotificationError``, as before; an endpoint the key may not be sent to
is an ``InsecureTransportError`` before any request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from hokusai.config import resolution
from hokusai.config.credentials import ApiKey, Credentials
from hokusai.config.sources import ARGUMENT
from hokusai.config.tracking import DEFAULT_API_ENDPOINT, TrackingConfig
from hokusai.errors import NotificationError
from hokusai.models import MEASUREMENT_TAGS
from hokusai.platform.registration_event import (
    DEFAULT_NOTIFICATION_TIMEOUT,
    EVENT_PATH,
    MAX_BODY_KEPT,
    EventOptions,
    EventSender,
    event_url,
    payload_for,
)
from hokusai.transport.mlflow_tls import TlsSettings
from hokusai.transport.retry_policy import RetryPolicy

REGISTRATION_EVENT_PATH = f"/api{EVENT_PATH}"
MAX_ERROR_BODY_LENGTH = MAX_BODY_KEPT
OPTIONAL_REGISTRATION_FIELDS = MEASUREMENT_TAGS


def resolve_registration_event_api_endpoint(api_endpoint: str | None = None) -> str:
    """The API base events go to: ``api_endpoint``, else where a ``ModelRegistry`` sends them
    (``HOKUSAI_API_ENDPOINT``, ..., ``HOKUSAI_API_URL``, then ``DEFAULT_API_ENDPOINT``)."""
    return _sender(None).endpoint(_options(api_endpoint)).value


def build_pipeline_registration_event_url(api_endpoint: str) -> str:
    """``{api_endpoint}/api/models/tokenized-registration-events`` (no second ``/api``)."""
    return event_url(api_endpoint)


def build_registration_event_payload(
    result: Mapping[str, Any],
    *,
    model_uri: str | None = None,
    api_schema: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The event body for ``register_tokenized_model``'s result (or a dict with its keys).

    Raises ``InvalidInputError`` (a ``ValueError``) when a field the API requires is missing.
    """
    return payload_for(
        result, EventOptions.of(api_schema=api_schema).api_schema, model_uri=model_uri
    )


def notify_pipeline_of_registration(
    payload: Mapping[str, Any],
    *,
    api_key: str | None,
    api_endpoint: str | None = None,
    timeout: float = DEFAULT_NOTIFICATION_TIMEOUT,
) -> dict[str, Any]:
    """POST the event with ``api_key``; the API's JSON answer (``{"raw_response": text}`` for
    one that is not JSON, ``{}`` for none). Raises ``NotificationError`` when it is not
    delivered, an empty key included."""
    return _sender(api_key or None).send(payload, _options(api_endpoint, timeout))


def _options(
    api_endpoint: str | None, timeout: float = DEFAULT_NOTIFICATION_TIMEOUT
) -> EventOptions:
    # The earlier SDK took an empty endpoint as none given.
    return EventOptions.of(
        notification_timeout=timeout, notification_api_endpoint=api_endpoint or None
    )


def _sender(api_key: str | None) -> EventSender:
    """A sender holding only ``api_key``: the earlier functions took the key as an argument,
    never from the environment or ``hokusai login``."""
    credentials = (
        Credentials(ApiKey(api_key, source="the api_key argument"), ARGUMENT)
        if api_key is not None
        else Credentials.none()
    )
    config = TrackingConfig.resolve(
        environ=os.environ, credentials=credentials, process=resolution.process_values()
    )
    return EventSender(
        config,
        tls=TlsSettings.from_environ(os.environ),
        retry=RetryPolicy(
            deadline=config.retry_deadline.value, source=config.retry_deadline.source
        ),
    )


__all__ = [
    "DEFAULT_API_ENDPOINT",
    "MAX_ERROR_BODY_LENGTH",
    "OPTIONAL_REGISTRATION_FIELDS",
    "REGISTRATION_EVENT_PATH",
    "NotificationError",
    "build_pipeline_registration_event_url",
    "build_registration_event_payload",
    "notify_pipeline_of_registration",
    "resolve_registration_event_api_endpoint",
]
