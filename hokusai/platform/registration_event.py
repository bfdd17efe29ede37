"""The registration event: telling the Hokusai site that a tokenized model is on the registry.

After ``register_tokenized_model`` lands a version on the hosted registry, the platform's data
pipeline API is told so (``POST {api}/models/tokenized-registration-events``, the key as
``Authorization: Bearer``); the site then moves the token from draft to registered. The body
is the data pipeline's schema: ``model_name``, ``version``, ``token_id``,
``proposal_identifier``, ``metric_name``, ``baseline_value``, ``mlflow_run_id`` (all
required), and ``model_uri``, ``tags``, ``eval_spec``, ``scorer_ref``, ``primary_metric``,
``benchmark_spec_id``, ``api_schema``.

Where: the API endpoint (``HOKUSAI_API_ENDPOINT``, else the tracking URI without ``/mlflow``),
else the earlier SDK's ``HOKUSAI_API_URL``; per call ``notification_api_endpoint``. The key goes
there only over https (plain http only to this machine, or with ``HOKUSAI_ALLOW_INSECURE_HTTP``),
and only under that base (``request_auth.auth_for``), never through a redirect.

The API limits each key to 30 events a minute and answers 429 with ``Retry-After``; that is
waited out (``hokusai.transport.retry_policy``, within ``HOKUSAI_RETRY_DEADLINE``), since a 429
is given instead of handling the event. Nothing else is repeated: a 502 (the site's hook
failed) or a lost answer may have been handled, so the caller decides to resend.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from hokusai.config.sources import Setting
from hokusai.config.tracking import TrackingConfig
from hokusai.config.urls import split_url
from hokusai.connection import request_auth
from hokusai.errors import HokusaiError, InvalidInputError, NotificationError, mask_keys
from hokusai.models import INTERNAL_TAG_PREFIX, MEASUREMENT_TAGS
from hokusai.transport.classify import ErrorContext, from_transport
from hokusai.transport.http_bounds import RegistryTransport
from hokusai.transport.mlflow_tls import TlsSettings
from hokusai.transport.retry_policy import RetryPolicy

EVENT_PATH = "/models/tokenized-registration-events"
# The earlier SDK's default; an event is one small JSON request.
DEFAULT_NOTIFICATION_TIMEOUT = 10.0
MAX_NOTIFICATION_TIMEOUT = 600.0
# The data pipeline's cap on eval_spec, scorer_ref, primary_metric and benchmark_spec_id.
MAX_MEASUREMENT_LENGTH = 500
# How much of an error answer is kept on the NotificationError.
MAX_BODY_KEPT = 1000
ENDPOINT_ARGUMENT = "the notification_api_endpoint argument"
REQUIRED_FIELDS = (
    "model_name",
    "version",
    "token_id",
    "proposal_identifier",
    "metric_name",
    "baseline_value",
    "mlflow_run_id",
)


def event_url(api_base: str) -> str:
    """The event route under an API base: ``https://h/api`` and ``https://h`` both give
    ``https://h/api/models/tokenized-registration-events``, as the earlier SDK built it."""
    base = api_base.rstrip("/")
    return f"{base}{EVENT_PATH}" if base.endswith("/api") else f"{base}/api{EVENT_PATH}"


@dataclass(frozen=True)
class EventOptions:
    """The notification options of one call, checked before any request."""

    notify: bool = True
    best_effort: bool = False
    timeout: float = DEFAULT_NOTIFICATION_TIMEOUT
    api_schema: Mapping[str, Any] | None = None
    endpoint: str | None = None

    @classmethod
    def of(
        cls,
        *,
        notify_site: object = True,
        best_effort_notification: object = False,
        notification_timeout: object = DEFAULT_NOTIFICATION_TIMEOUT,
        api_schema: object = None,
        notification_api_endpoint: object = None,
    ) -> EventOptions:
        return cls(
            notify=_flag(notify_site, "notify_site"),
            best_effort=_flag(best_effort_notification, "best_effort_notification"),
            timeout=_timeout(notification_timeout),
            api_schema=_schema(api_schema),
            endpoint=_endpoint(notification_api_endpoint),
        )

    def queued(self) -> dict[str, Any]:
        """What a pending record keeps, to send the event after ``hokusai sync`` pushes it."""
        return {"timeout": self.timeout, "api_schema": self.api_schema, "endpoint": self.endpoint}

    @classmethod
    def from_queued(cls, data: Mapping[str, Any]) -> EventOptions:
        return cls.of(
            notification_timeout=data.get("timeout", DEFAULT_NOTIFICATION_TIMEOUT),
            api_schema=data.get("api_schema"),
            notification_api_endpoint=data.get("endpoint"),
        )


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} must be True or False, got {value!r}.")
    return value


def _timeout(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= MAX_NOTIFICATION_TIMEOUT
    ):
        raise InvalidInputError(
            f"notification_timeout must be a number of seconds above 0 and at most "
            f"{MAX_NOTIFICATION_TIMEOUT:g}, got {value!r}."
        )
    return float(value)


def _schema(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            f"api_schema must be a JSON object (a mapping), got {type(value).__name__}."
        )
    try:
        # A plain, JSON-only copy: it is sent as JSON and may wait in a pending record.
        copy: dict[str, Any] = json.loads(json.dumps(dict(value), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"api_schema must be JSON-serialisable: {exc}.") from None
    return copy


def _endpoint(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(
            f"notification_api_endpoint must be a non-empty URL string, got {value!r}."
        )
    text = value.strip().rstrip("/")
    split_url(text, what="notification API endpoint", source=ENDPOINT_ARGUMENT)
    return text


def measurement_tags(values: Mapping[str, object]) -> dict[str, str]:
    """``eval_spec``, ``scorer_ref``, ``primary_metric``, ``benchmark_spec_id`` as the data
    pipeline takes them: non-empty text of at most 500 characters, stripped; None left out."""
    out: dict[str, str] = {}
    for name in MEASUREMENT_TAGS:
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"{name} must be a non-empty string (or None), got {value!r}.")
        text = value.strip()
        if len(text) > MAX_MEASUREMENT_LENGTH:
            raise InvalidInputError(
                f"{name} is {len(text)} characters; the Hokusai API takes at most "
                f"{MAX_MEASUREMENT_LENGTH}."
            )
        out[name] = text
    return out


def payload_for(
    result: Mapping[str, Any],
    api_schema: Mapping[str, Any] | None = None,
    *,
    model_uri: str | None = None,
) -> dict[str, Any]:
    """The event body for a tokenized model's version.

    ``result`` is a ``ModelRegistryEntry`` (its fields read from its tags, the one source) or a
    dict with the same keys, as the earlier SDK's ``register_tokenized_model`` returned.
    """
    name, version = result.get("model_name"), result.get("version")
    tags = {
        k: v for k, v in (result.get("tags") or {}).items() if not k.startswith(INTERNAL_TAG_PREFIX)
    }
    body: dict[str, Any] = {
        "model_name": name,
        "version": None if version is None else str(version),
        "token_id": result.get("token_id"),
        "proposal_identifier": result.get("proposal_identifier") or result.get("token_id"),
        "metric_name": result.get("metric_name"),
        "baseline_value": result.get("baseline_value"),
        "mlflow_run_id": result.get("mlflow_run_id"),
        "model_uri": model_uri or f"models:/{name}/{version}",
        "tags": tags,
    }
    missing = [field for field in REQUIRED_FIELDS if body[field] in (None, "")]
    baseline = body["baseline_value"]
    finite = (
        isinstance(baseline, int | float)
        and not isinstance(baseline, bool)
        and math.isfinite(baseline)
    )
    if missing or not finite:
        raise InvalidInputError(
            f"Version {version} of {name!r} lacks what a registration event needs "
            f"({', '.join(missing) or 'a finite number as baseline_value'}).",
            hint="Register it with register_tokenized_model, which writes every field.",
        )
    body.update({field: result[field] for field in MEASUREMENT_TAGS if result.get(field)})
    if api_schema is not None:
        body["api_schema"] = dict(api_schema)
    return body


class EventSender:
    """Sends one registry's registration events: its key, its TLS settings, its retry deadline.

    One per registry (the container's ``event_sender``); its 429 gate is its own, since the
    API's limit is not the registry proxy's.
    """

    def __init__(self, config: TrackingConfig, *, tls: TlsSettings, retry: RetryPolicy) -> None:
        self._config = config
        self._tls = tls
        self._retry = retry
        self._lock = threading.Lock()
        self._transports: dict[tuple[str, float], RegistryTransport] = {}

    def endpoint(self, options: EventOptions) -> Setting[str]:
        """Where ``options`` send the event, refused if the key may not go there."""
        setting = (
            Setting(options.endpoint, ENDPOINT_ARGUMENT)
            if options.endpoint is not None
            else self._config.event_api
        )
        self._config.check_url(setting, "API endpoint for registration events")
        return setting

    def send(self, payload: Mapping[str, Any], options: EventOptions) -> dict[str, Any]:
        """POST the event; its JSON answer, or ``NotificationError`` (the model stays
        registered)."""
        base = self.endpoint(options)
        url = event_url(base.value)
        name, version = str(payload.get("model_name")), str(payload.get("version"))
        ctx = ErrorContext(
            uri=url,
            key_source=self._config.credentials.source,
            masked_key=self._config.credentials.masked,
            action=f"sending the registration event of {name!r} version {version}",
        )
        failed = _Failure(name, version, ctx)
        if self._config.api_key is None:
            raise failed.error("no API key is set, and the event is sent with one", None, None)
        try:
            response = self._transport(base.value, options.timeout, ctx).answer(
                "POST", url, json=dict(payload)
            )
        except HokusaiError as exc:
            raise failed.error(exc.message, exc.status, None) from exc
        except (requests.RequestException, OSError) as exc:
            typed = from_transport(exc, ctx)
            raise failed.error(typed.message if typed else str(exc), None, None) from exc
        if not 200 <= response.status_code < 300:
            raise failed.answered(response)
        return _answer(response)

    def _transport(self, base: str, timeout: float, ctx: ErrorContext) -> RegistryTransport:
        with self._lock:
            found = self._transports.get((base, timeout))
            if found is None:
                key = self._config.api_key
                assert key is not None
                found = RegistryTransport(
                    base,
                    timeout=timeout,
                    context=ctx,
                    auth=request_auth.auth_for(
                        base, key, allow_insecure_http=self._config.allow_insecure_http.value
                    ),
                    tls=self._tls,
                    timeout_setting="notification_timeout",
                    retry=self._retry,
                )
                self._transports[(base, timeout)] = found
            return found


def _answer(response: requests.Response) -> dict[str, Any]:
    """The API's JSON object; a body that is not JSON as ``raw_response`` (the earlier SDK's
    shape); nothing as an empty dict."""
    if not response.content:
        return {}
    try:
        answer = response.json()
    except ValueError:
        return {"raw_response": mask_keys(response.text)}
    return answer if isinstance(answer, dict) else {}


def resend_hint(name: str, version: str) -> str:
    return (
        f"Resend it (nothing is registered again): `hokusai event send {name} {version}`, or "
        f"registry.send_registration_event({name!r}, {version!r})."
    )


@dataclass(frozen=True)
class _Failure:
    """Builds the NotificationError of one event, which always says the model is registered."""

    name: str
    version: str
    ctx: ErrorContext

    def answered(self, response: requests.Response) -> NotificationError:
        status = response.status_code
        text = mask_keys(response.text.strip())[:MAX_BODY_KEPT]
        try:
            detail: object = response.json().get("detail") or response.json().get("error")
        except (ValueError, AttributeError):
            detail = None
        shown = f": {detail if isinstance(detail, str) else text}" if (detail or text) else ""
        what = {
            401: "the API rejected the key",
            403: "the key may not send registration events",
            422: "the API refused the event's fields",
            429: "the API kept rate limiting this key",
            502: "the API could not hand the event on to the site",
        }.get(status, "the API answered with an error")
        return self.error(f"{what} (HTTP {status}{_clip(shown)})", status, text or None)

    def error(self, what: str, status: int | None, body: str | None) -> NotificationError:
        first = {
            401: "Check the key (`hokusai whoami`); the registry took it, so it may have just "
            "been revoked.",
            403: "Use a key with the model:write scope.",
            422: "Check eval_spec, scorer_ref, primary_metric, benchmark_spec_id and api_schema.",
            429: "Wait a minute, or raise HOKUSAI_RETRY_DEADLINE.",
        }.get(status or 0, "")
        return NotificationError(
            f"Model {self.name!r} version {self.version} IS registered on the hosted registry, "
            f"but its registration event did not reach the Hokusai site: {what}.",
            status_code=status,
            response_body=body,
            mlflow_registered=True,
            model_name=self.name,
            version=self.version,
            hint=f"{first} {resend_hint(self.name, self.version)}".strip(),
            **self.ctx.kwargs(),
        )


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
