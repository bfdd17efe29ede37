"""Turn HTTP answers and transport failures into the SDK's typed errors.

Classification uses the status code, the JSON body's ``error``/``error_code`` fields and the
exception *types* in the cause chain, never MLflow's wording: MLflow rewrites bodies and texts
(a proxy 401 becomes ``INTERNAL_ERROR: Response: {...}``). One status is only to be had from
urllib3's own message template; see ``_retried_status`` for why and how narrowly it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions

from hokusai.errors import (
    AuthenticationError,
    HokusaiError,
    ModelNotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RegistryError,
    RegistryUnavailableError,
    TLSError,
)
from hokusai.transport.http_trace import SeenResponse
from hokusai.transport.retry_policy import parse_retry_after, retry_after_from

UNAVAILABLE_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class ErrorContext:
    """What the error message says about where it happened. Holds no secret."""

    uri: str
    key_source: str | None = None
    masked_key: str | None = None
    action: str = "calling the registry"

    def kwargs(self) -> dict[str, Any]:
        return {"uri": self.uri, "key_source": self.key_source, "masked_key": self.masked_key}


_PERMISSION_MESSAGES = {
    "REGISTRY_ADMIN_REQUIRED": (
        "The key is valid but may not use the model registry",
        "Ask your Hokusai organisation admin to grant this key registry access.",
    ),
    "FORBIDDEN": (
        "The key is valid but lacks the model:write scope needed to register models",
        "Create a key with the model:write scope on your Hokusai dashboard.",
    ),
}


def from_response(
    status: int,
    body: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    ctx: ErrorContext,
) -> HokusaiError:
    """The typed error for an HTTP error answer."""
    body = body or {}
    error = str(body.get("error") or "")
    code = str(body.get("error_code") or "")
    detail = str(body.get("message") or error or code or f"HTTP {status}")
    where = f"while {ctx.action}"
    if status == 401 or code == "UNAUTHENTICATED":
        return AuthenticationError(
            f"The registry rejected the API key {where}: {detail} (HTTP {status}).",
            status=status,
            **ctx.kwargs(),
        )
    if status == 403 or code == "PERMISSION_DENIED":
        summary, hint = _PERMISSION_MESSAGES.get(
            error, ("The key may not do this", PermissionDeniedError.default_hint)
        )
        return PermissionDeniedError(
            f"{summary} ({error or code or 'forbidden'}, HTTP {status}) {where}.",
            code=error or code or None,
            hint=hint,
            status=status,
            **ctx.kwargs(),
        )
    if status == 429:
        retry_after = retry_after_from(headers)
        wait = f" Retry after {retry_after:g} s." if retry_after is not None else ""
        return RateLimitedError(
            f"The registry is rate limiting this key (HTTP 429) {where}.{wait}",
            retry_after=retry_after,
            status=status,
            **ctx.kwargs(),
        )
    if status in UNAVAILABLE_STATUSES or status == 408:
        reason = "artifacts-disabled" if error == "ARTIFACTS_DISABLED" else f"http-{status}"
        return RegistryUnavailableError(
            f"The registry failed {where} (HTTP {status}{_unless_bare(detail, status)}).",
            reason=reason,
            retry_after=parse_retry_after(headers.get("Retry-After")),
            status=status,
            **ctx.kwargs(),
        )
    # Only MLflow's own answer says a model, version or alias is missing; the proxy's 404
    # ({"error": "NOT_FOUND"}: no such path) means the tracking URI is wrong, not the name.
    if code == "RESOURCE_DOES_NOT_EXIST" or (status == 404 and not error and not code):
        return ModelNotFoundError(
            f"Not found {where}: {detail} (HTTP {status}).",
            error_code=code or None,
            status=status,
            hint="Check the name and version, and that the tracking URI is the registry's.",
            **ctx.kwargs(),
        )
    return RegistryError(
        f"The registry refused the request {where}: {detail} (HTTP {status}).",
        error_code=code or error or None,
        status=status,
        **ctx.kwargs(),
    )


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and exceptions wrapped in their args."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(
            c for c in (current.__cause__, current.__context__) if isinstance(c, BaseException)
        )
        stack.extend(a for a in current.args if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)


def from_transport(exc: BaseException, ctx: ErrorContext) -> HokusaiError | None:
    """The typed error for a failure below HTTP, or None when there was none."""
    chain = list(causes(exc))
    where = f"while {ctx.action}"
    if any(
        isinstance(c, requests.exceptions.SSLError | urllib3.exceptions.SSLError) for c in chain
    ):
        return TLSError(f"The TLS handshake with the registry failed {where}.", **ctx.kwargs())
    if any(isinstance(c, urllib3.exceptions.NameResolutionError) for c in chain):
        return _unavailable("The registry's host name could not be resolved", "dns", where, ctx)
    if any(isinstance(c, requests.exceptions.Timeout | TimeoutError) for c in chain):
        return _unavailable("The registry did not answer in time", "timeout", where, ctx)
    if any(isinstance(c, requests.exceptions.RetryError) for c in chain):
        status = _retried_status(chain)
        if status is not None:
            return from_response(status, None, {}, ctx)
        return _unavailable("The registry kept answering with errors", "server-error", where, ctx)
    if any(isinstance(c, requests.exceptions.ConnectionError | ConnectionError) for c in chain):
        return _unavailable("The connection to the registry failed", "connection", where, ctx)
    return None


_RETRIED_STATUS = re.compile(
    re.escape(urllib3.exceptions.ResponseError.SPECIFIC_ERROR).replace(
        re.escape("{status_code}"), r"(\d{3})"
    )
)


def _retried_status(chain: list[BaseException]) -> int | None:
    """The HTTP status that made urllib3 give up, for answers MLflow's session "retries".

    MLflow retries 408, 429 and 5xx answers inside urllib3; with the SDK's zero retries the
    first such answer ends the request as ``MaxRetryError(ResponseError(...))`` and no
    response object ever reaches ``requests`` (so no hook sees it). urllib3 keeps the status
    only in the reason, formatted with its own template ``ResponseError.SPECIFIC_ERROR``; that
    template, not MLflow's wording, is what is matched here. Without it a 429 in the middle of
    a registration would look like an outage, and ``auto`` would fall back instead of raising.
    """
    for cause in chain:
        if isinstance(cause, urllib3.exceptions.MaxRetryError) and isinstance(
            cause.reason, urllib3.exceptions.ResponseError
        ):
            match = _RETRIED_STATUS.fullmatch(str(cause.reason))
            if match:
                return int(match.group(1))
    return None


def _unavailable(what: str, reason: str, where: str, ctx: ErrorContext) -> RegistryUnavailableError:
    return RegistryUnavailableError(f"{what} {where}.", reason=reason, **ctx.kwargs())


def from_mlflow(
    exc: BaseException, last_error: SeenResponse | None, ctx: ErrorContext
) -> HokusaiError:
    """Classify an exception raised by MLflow's client during a traced operation."""
    if isinstance(exc, HokusaiError):
        return exc
    transport = from_transport(exc, ctx)
    if transport is not None:
        return transport
    if last_error is not None and last_error.status < 400:
        return html_answer(last_error.status, ctx)
    if last_error is not None:
        return from_response(last_error.status, last_error.body, last_error.headers, ctx)
    code = getattr(exc, "error_code", None)
    body = {"error_code": code, "message": getattr(exc, "message", None) or type(exc).__name__}
    status = 404 if code == "RESOURCE_DOES_NOT_EXIST" else 400
    if code in ("INTERNAL_ERROR", "TEMPORARILY_UNAVAILABLE"):
        status = 500
    return from_response(status, body, {}, ctx)


def html_answer(status: int, ctx: ErrorContext) -> RegistryUnavailableError:
    """The registry URL answered a web page instead of the MLflow API (``http_trace``)."""
    return RegistryUnavailableError(
        f"The registry URL answered with an HTML page (HTTP {status}), not the MLflow API, "
        f"while {ctx.action}: check the URL.",
        reason="not-mlflow",
        status=status,
        hint="Check HOKUSAI_TRACKING_URI (the hosted registry is "
        "https://registry.hokus.ai/api/mlflow). A Wi-Fi sign-in page (captive portal) answers "
        "like this until you sign in.",
        **ctx.kwargs(),
    )


def _unless_bare(detail: str, status: int) -> str:
    """``: <detail>`` when the body said more than the status line does."""
    return "" if detail == f"HTTP {status}" else f": {detail}"
