"""Every failure the SDK raises, typed, with what happened and what to do next.

Each class also subclasses the builtin a plain ``except`` would reach for, so that
``except PermissionError`` or ``except ConnectionError`` keeps working around SDK calls.
Messages name the URI and the key's *source* and masked form; they never hold the key.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

# A Hokusai key anywhere in a message (pasted into the wrong setting, echoed by a server): kept
# recognisable by its prefix and last four characters, as ApiKey.masked shows it.
_KEY_CHAR = r"[A-Za-z0-9_\-]"
_KEY_SHAPED = re.compile(rf"(hk_(?:live|test|dev)_)({_KEY_CHAR}+)")
# Below this many secret characters (after the prefix) not even the last four are shown: four
# of a short key are too large a part of it.
MIN_SECRET_FOR_TAIL = 12

# Secrets in a URI, found in a whole URI or in any text that quotes one (a message, a library's
# error): the user-info before '@' (taken to its last '@', as urllib splits it) and the values of
# query or fragment parameters named for a secret. Quotes and brackets end a URI in prose.
_URI_END = r"\s'\"<>"
_USER_INFO = re.compile(rf"(\b[A-Za-z][A-Za-z0-9+.\-]*://)([^/?#{_URI_END}]*)@")
_PARAMETER = re.compile(rf"([?&#])([^=&#{_URI_END}]+)=([^&#{_URI_END}]*)")
_SECRET_NAMES = frozenset(
    {"token", "key", "apikey", "password", "passwd", "pwd", "secret", "sig", "signature"}
    | {"auth", "authorization", "credential", "credentials", "session", "sessionid"}
)
# X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, access_token, client_secret, ...
_SECRET_SUFFIXES = ("_token", "_key", "_secret", "_password", "_signature", "_credential", "_sig")
MASK = "***"


def is_secret_parameter(name: str) -> bool:
    """Whether a query parameter of this name holds a secret (``api_key``, ``X-Amz-Signature``)."""
    normal = unquote(name).strip().lower().replace("-", "_")
    return normal in _SECRET_NAMES or normal.endswith(_SECRET_SUFFIXES)


def _mask_user_info(match: re.Match[str]) -> str:
    scheme, user_info = match.group(1), match.group(2)
    user, has_password, _password = user_info.partition(":")
    if has_password:
        return f"{scheme}{user}:{MASK}@"
    # A name alone ("git@", "admin@") is an identity; a long one is a token used as a name.
    return f"{scheme}{MASK if len(user) >= MIN_SECRET_FOR_TAIL else user}@"


def _mask_parameter(match: re.Match[str]) -> str:
    lead, name, value = match.groups()
    if value and is_secret_parameter(name):
        return f"{lead}{name}={MASK}"
    return match.group(0)


def mask_secret(prefix: str, secret: str) -> str:
    """``prefix…abcd``: the last four characters of ``secret`` only when it is long enough."""
    tail = secret[-4:] if len(secret) >= MIN_SECRET_FOR_TAIL else ""
    return f"{prefix}…{tail}"


def mask_keys(text: str) -> str:
    """``text`` with every key-shaped substring masked as ``hk_live_…abcd``, and every URI in it
    shown without its secrets: ``https://user:***@host/mlflow?api_key=***``.

    The one way a URI, or text that may quote one, becomes something a person reads: CLI
    output, errors, logs, ``repr``. Requests keep using the URI itself.
    """
    text = _USER_INFO.sub(_mask_user_info, text)
    text = _PARAMETER.sub(_mask_parameter, text)
    return _KEY_SHAPED.sub(lambda m: mask_secret(m.group(1), m.group(2)), text)


def secrets_in_uri(uri: str) -> list[str]:
    """What in ``uri`` is a secret, in words, for ``doctor``: ``["the credentials before '@'",
    "parameter 'api_key'"]``; empty when nothing is."""
    found = [
        f"parameter {m.group(2)!r}"
        for m in _PARAMETER.finditer(uri)
        if m.group(3) and is_secret_parameter(m.group(2))
    ]
    user_info = _USER_INFO.search(uri)
    if user_info is not None and _mask_user_info(user_info) != user_info.group(0):
        found.insert(0, "the credentials before '@'")
    if not found and _KEY_SHAPED.search(uri):
        found.append("an API key")
    return found


class HokusaiException(Exception):
    """The earlier SDK's base exception, kept so ``except HokusaiException`` still catches all."""


class HokusaiError(HokusaiException):
    """Base class of every error the SDK raises on purpose.

    Attributes:
        uri: the tracking URI involved, when there is one, as ``mask_keys`` shows it (no
            password, token or key it may hold).
        key_source: where the API key came from (``"HOKUSAI_API_KEY"``, ``"argument"``, ...).
        masked_key: the key as ``hk_live_…abcd``.
        hint: the next step for the user.
        status: the HTTP status, when one was received.
    """

    default_hint = "Run `hokusai doctor` to check your configuration and connection."

    def __init__(
        self,
        message: str,
        *,
        uri: str | None = None,
        key_source: str | None = None,
        masked_key: str | None = None,
        hint: str | None = None,
        status: int | None = None,
    ) -> None:
        self.message = mask_keys(message)
        self.uri = mask_keys(uri) if uri else uri
        self.key_source = key_source
        self.masked_key = masked_key
        self.hint = mask_keys(hint if hint is not None else self.default_hint)
        self.status = status
        # Set on a failed registration: passing it again makes the retry safe (no second version
        # if the registry did create one before the failure).
        self.idempotency_key: str | None = None
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.uri:
            parts.append(f"Registry: {self.uri}.")
        if self.key_source:
            key = f" ({self.masked_key})" if self.masked_key else ""
            parts.append(f"API key from {self.key_source}{key}.")
        if self.hint:
            parts.append(self.hint)
        if self.idempotency_key:
            parts.append(
                f"To retry safely, pass idempotency_key={self.idempotency_key!r} to register_model."
            )
        return " ".join(parts)

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[object, ...]:
        # Exceptions pickle through their args; keep the structured fields across processes.
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[HokusaiError], message: str, state: dict[str, object]) -> HokusaiError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class RegistryException(HokusaiError):
    """The earlier SDK's registry error (``hokusai.core.registry.RegistryException``).

    The earlier SDK wrapped every failure of a registry call in it, so it is the base of every
    such failure here: bad input, the key's errors, the network's, the registry's answers and
    the local store's. Settings errors (``ConfigurationError``, raised by the constructor) are
    not. Each subclass is also its builtin (``ValueError``, ``PermissionError``, ...).
    """

    default_hint = ""


class ConfigurationError(HokusaiError, ValueError):
    """The settings cannot work together, or one of them is malformed.

    Also ``hokusai.exceptions.ConfigurationError``: the earlier SDK's form
    ``ConfigurationError(missing_key="HOKUSAI_API_KEY")`` still builds one.

    Example::

        ConfigurationError: HOKUSAI_MLFLOW_MODE='remot' is not a mode. Valid modes: auto, remote,
        local, mock, optional.
    """

    default_hint = "Fix the setting named above; `hokusai doctor` shows every value and its source."

    def __init__(
        self, message: str | None = None, missing_key: str | None = None, **kwargs: object
    ) -> None:
        self.missing_key = missing_key
        if message is None:
            message = (
                f"Missing required configuration: {missing_key}."
                if missing_key
                else "Invalid configuration."
            )
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class InsecureTransportError(ConfigurationError):
    """The API key would travel over plain http to a host that is not this machine.

    Example::

        InsecureTransportError: Refusing to send the API key over plain http to
        registry.example.com. Registry: http://registry.example.com/mlflow. Use an https://
        tracking URI, or set HOKUSAI_ALLOW_INSECURE_HTTP=true if this network is trusted.
    """

    default_hint = (
        "Use an https:// tracking URI, or set HOKUSAI_ALLOW_INSECURE_HTTP=true if this network "
        "is trusted."
    )


class InvalidParameterError(RegistryException, ValueError):
    """The earlier SDK's ``InvalidParameterError(parameter_name=None, message=None)``.

    The base of ``InvalidInputError``, so ``except InvalidParameterError`` catches every
    malformed argument the SDK rejects.
    """

    default_hint = ""

    def __init__(
        self, parameter_name: str | None = None, message: str | None = None, **kwargs: object
    ) -> None:
        self.parameter_name = parameter_name
        if message is None:
            message = f"Invalid parameter: {parameter_name}." if parameter_name else None
        message = message or "Invalid parameter."
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class InvalidInputError(InvalidParameterError):
    """An argument is malformed; nothing was sent anywhere.

    Example::

        InvalidInputError: contributor_address must be 0x followed by 40 hex digits, got '0x12'.
    """

    def __init__(
        self, message: str, *, parameter_name: str | None = None, **kwargs: object
    ) -> None:
        super().__init__(parameter_name, message, **kwargs)


class UnknownArgumentError(InvalidInputError, TypeError):
    """A keyword argument the function does not take, close to one it does (a typo)."""


class HokusaiAuthError(RegistryException):
    """The earlier SDK's ``hokusai.auth.exceptions.HokusaiAuthError``: the key, its rights or its
    rate. Base of ``AuthenticationError``, ``PermissionDeniedError`` and ``RateLimitedError``."""

    # Not RegistryException's empty hint: a key error with no more specific class still points
    # at `hokusai doctor`.
    default_hint = HokusaiError.default_hint


_AUTH_MESSAGES = {
    401: "The registry rejected the credentials (HTTP 401).",
    403: "The registry refused access (HTTP 403).",
}


class MLflowAuthenticationError(HokusaiAuthError, PermissionError):
    """The earlier SDK's ``MLflowAuthenticationError(message=None, status_code=None)``.

    The base of ``AuthenticationError`` (401) and ``PermissionDeniedError`` (403);
    ``status_code`` is the HTTP status, when one was received.
    """

    def __init__(
        self, message: str | None = None, status_code: int | None = None, **kwargs: object
    ) -> None:
        given = kwargs.pop("status", None)
        status = given if isinstance(given, int) else status_code
        if message is None:
            message = _AUTH_MESSAGES.get(status or 0, "Authentication with the registry failed.")
        super().__init__(message, status=status, **kwargs)  # type: ignore[arg-type]

    @property
    def status_code(self) -> int | None:
        return self.status


class AuthenticationError(MLflowAuthenticationError):
    """The registry did not accept the key (HTTP 401), or there is no key at all.

    Also ``hokusai.auth.exceptions.AuthenticationError``, and a ``MLflowAuthenticationError``.

    Example::

        AuthenticationError: The registry rejected the API key while registering model 'churn':
        Invalid or expired API key (HTTP 401). Registry: https://registry.hokus.ai/api/mlflow.
        API key from environment variable HOKUSAI_API_KEY (hk_live_…abcd). Check the key on your
        Hokusai dashboard, then set HOKUSAI_API_KEY or run `hokusai login`.
    """

    default_hint = (
        "Check the key on your Hokusai dashboard, then set HOKUSAI_API_KEY or run `hokusai login`."
    )

    @classmethod
    def missing_key(cls, uri: str) -> AuthenticationError:
        """No key is configured at all: said before any request, not as a server's 401."""
        return cls(
            "No API key is set, so nothing can reach the hosted registry.",
            uri=uri,
            hint="Run `hokusai login`, or set HOKUSAI_API_KEY to the key from your Hokusai "
            "dashboard.",
        )


class PermissionDeniedError(MLflowAuthenticationError):
    """The key is valid but may not do this (HTTP 403).

    Also ``hokusai.auth.exceptions.AuthorizationError``, and a ``MLflowAuthenticationError``.

    ``code`` holds the proxy's ``error`` field, e.g. ``REGISTRY_ADMIN_REQUIRED`` (the key may not
    use the registry) or ``FORBIDDEN`` (the key lacks the ``model:write`` scope).

    Example::

        PermissionDeniedError: The key is valid but may not use the model registry
        (REGISTRY_ADMIN_REQUIRED, HTTP 403) while registering model 'churn'. Registry:
        https://registry.hokus.ai/api/mlflow. API key from environment variable HOKUSAI_API_KEY
        (hk_live_…abcd). Ask your Hokusai organisation admin to grant this key registry access.
    """

    default_hint = "Ask your Hokusai organisation admin for a key with registry write access."

    def __init__(self, message: str, *, code: str | None = None, **kwargs: object) -> None:
        self.code = code
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class RateLimitedError(HokusaiAuthError, ConnectionError):
    """The registry is rate limiting this key (HTTP 429).

    ``retry_after`` is the server's Retry-After in seconds, when it sent one. Also
    ``hokusai.auth.exceptions.RateLimitError``.
    """

    default_hint = "Wait and try again."

    def __init__(self, message: str, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class MLflowConnectionError(RegistryException, ConnectionError):
    """The earlier SDK's ``MLflowConnectionError(message=None, tracking_uri=None)``.

    The base of ``RegistryUnavailableError`` and ``TLSError``: every failure to reach the
    registry. ``tracking_uri`` is the registry's URI.
    """

    default_hint = "Check your network and `hokusai doctor`."

    def __init__(
        self, message: str | None = None, tracking_uri: str | None = None, **kwargs: object
    ) -> None:
        uri = kwargs.pop("uri", None)
        super().__init__(
            message or "Failed to connect to the registry.",
            uri=uri if isinstance(uri, str) else tracking_uri,
            **kwargs,  # type: ignore[arg-type]
        )

    @property
    def tracking_uri(self) -> str | None:
        return self.uri


class RegistryUnavailableError(MLflowConnectionError):
    """The registry could not be reached or failed (refused, DNS, timeout, 5xx).

    Example::

        RegistryUnavailableError: The registry did not answer in time while checking the
        registry. Registry: https://registry.hokus.ai/api/mlflow. API key from environment
        variable HOKUSAI_API_KEY (hk_live_…abcd). Check your network (VPN, proxy, firewall) and
        run `hokusai doctor`; try again when the registry answers.
    """

    # No word of fallback or sync: the error only reaches a caller where neither happens
    # (remote mode, reads, sync itself); a registration that fell back logs its own notice.
    default_hint = (
        "Check your network (VPN, proxy, firewall) and run `hokusai doctor`; try again when the "
        "registry answers."
    )

    def __init__(
        self,
        message: str,
        *,
        reason: str = "unavailable",
        retry_after: float | None = None,
        **kwargs: object,
    ) -> None:
        self.reason = reason
        # A 503's Retry-After in seconds: the registry asks to be tried again then.
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class TLSError(MLflowConnectionError):
    """The TLS handshake with the registry failed (certificate, hostname, protocol).

    Not a reason to fall back: a failed certificate check may be an attack.
    """

    default_hint = (
        "Check the system clock and any proxy that intercepts TLS; point REQUESTS_CA_BUNDLE at "
        "your organisation's CA bundle if it has one."
    )


class RegistryError(RegistryException, RuntimeError):
    """The registry answered with an error that is none of the above (e.g. 400, 404).

    ``error_code`` holds MLflow's ``error_code`` (``RESOURCE_DOES_NOT_EXIST``, ...) when present.
    """

    default_hint = ""

    def __init__(self, message: str, *, error_code: str | None = None, **kwargs: object) -> None:
        self.error_code = error_code
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class ModelNotFoundError(RegistryError, LookupError):
    """The model, version or alias does not exist in the registry.

    Also ``hokusai.exceptions.ModelNotFoundError``: the earlier SDK's keyword form
    ``ModelNotFoundError(model_id=..., model_name=..., version=...)`` still builds one (a
    positional argument is the message).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        model_id: str | None = None,
        model_name: str | None = None,
        version: str | None = None,
        **kwargs: object,
    ) -> None:
        self.model_id = model_id
        self.model_name = model_name
        self.version = version
        if message is None:
            if model_id:
                message = f"Model not found: {model_id}"
            elif model_name:
                suffix = f" version {version}" if version else ""
                message = f"Model not found: {model_name}{suffix}"
            else:
                message = "Model not found"
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class MethodNotImplementedError(HokusaiError, NotImplementedError):
    """The earlier SDK's ``MethodNotImplementedError(method_name=None, class_name=None)``."""

    default_hint = ""

    def __init__(
        self, method_name: str | None = None, class_name: str | None = None, **kwargs: object
    ) -> None:
        self.method_name = method_name
        self.class_name = class_name
        if method_name:
            owner = f"{class_name}." if class_name else ""
            message = f"Method {owner}{method_name}() is not implemented."
        else:
            message = "Method not implemented."
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class NotificationError(HokusaiError, RuntimeError):
    """A tokenized model was registered, but its registration event did not reach the Hokusai
    site (``register_tokenized_model``, ``send_registration_event``, ``hokusai sync``).

    ``mlflow_registered`` says whether the model version itself was registered (True whenever
    the SDK raises it); ``model_name`` and ``version`` name it, ``status_code`` and
    ``response_body`` are the API's answer (None when there was none). The message says how to
    resend: ``hokusai event send NAME VERSION`` or ``registry.send_registration_event(...)``.
    """

    default_hint = ""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        response_body: str | None = None,
        mlflow_registered: bool = False,
        model_name: str | None = None,
        version: str | None = None,
        **kwargs: object,
    ) -> None:
        self.response_body = response_body
        self.mlflow_registered = mlflow_registered
        self.model_name = model_name
        self.version = version
        super().__init__(message, status=status_code, **kwargs)  # type: ignore[arg-type]

    @property
    def status_code(self) -> int | None:
        return self.status


class InvalidTagsError(InvalidInputError):
    """A model version lacks the Hokusai tags a tokenized model must carry, or holds bad ones.

    A ``RegistryException`` as it always was (like all bad input), and a ``ValueError``.
    """

    default_hint = ""


class LocalStoreError(RegistryException, OSError):
    """The local MLflow store could not be opened or written."""

    default_hint = "Check that HOKUSAI_HOME (default ~/.hokusai) is writable and has free space."


class UnsupportedMlflowError(ConfigurationError, ImportError):
    """The installed MLflow is outside the range this SDK supports, or lacks a part it needs.

    Also an ``ImportError``: it is raised while ``hokusai``'s MLflow-facing modules load.

    Example::

        UnsupportedMlflowError: hokusai needs MLflow 3.9.0 or newer; mlflow-skinny 3.8.1 is
        installed.
        Hint: pip install -U 'mlflow-skinny>=3.9.0' (the platform's registry runs MLflow 3.9.0).
    """

    default_hint = (
        "Install a supported MLflow: pip install -U 'hokusai-ml-platform' brings one; "
        "docs/compatibility.md lists the versions CI runs."
    )


def error_dict(error: HokusaiError | None) -> dict[str, Any] | None:
    """A typed error as JSON: its class, message, hint and status. Never the key."""
    if error is None:
        return None
    return {
        "type": type(error).__name__,
        "message": error.message,
        "hint": error.hint or None,
        "status": error.status,
        "code": getattr(error, "code", None) or getattr(error, "reason", None),
    }


__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "HokusaiAuthError",
    "HokusaiError",
    "HokusaiException",
    "InsecureTransportError",
    "InvalidInputError",
    "InvalidParameterError",
    "InvalidTagsError",
    "LocalStoreError",
    "MLflowAuthenticationError",
    "MLflowConnectionError",
    "MethodNotImplementedError",
    "ModelNotFoundError",
    "NotificationError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RegistryError",
    "RegistryException",
    "RegistryUnavailableError",
    "TLSError",
    "UnknownArgumentError",
    "UnsupportedMlflowError",
]
