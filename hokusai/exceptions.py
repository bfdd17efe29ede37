"""The earlier SDK's exception names (``from hokusai.exceptions import ...``).

Each name is the class the SDK raises today, or a base of it, so an old ``except`` clause
catches what the SDK raises now:

- ``MLflowConnectionError``: base of ``RegistryUnavailableError`` and ``TLSError``;
- ``MLflowAuthenticationError``: base of ``AuthenticationError`` (401) and
  ``PermissionDeniedError`` (403), ``status_code`` kept;
- ``ModelNotFoundError`` and ``ConfigurationError``: the SDK's own classes;
- ``InvalidParameterError``: base of ``InvalidInputError``.

The old keyword constructors (``ModelNotFoundError(model_id="x")``,
``MLflowConnectionError(message, tracking_uri=...)``,
``MLflowAuthenticationError(status_code=403)``, ``ConfigurationError(missing_key="...")``) still
build them.
"""

from hokusai.errors import (
    ConfigurationError,
    HokusaiException,
    InvalidParameterError,
    MethodNotImplementedError,
    MLflowAuthenticationError,
    MLflowConnectionError,
    ModelNotFoundError,
    NotificationError,
)

__all__ = [
    "ConfigurationError",
    "HokusaiException",
    "InvalidParameterError",
    "MLflowAuthenticationError",
    "MLflowConnectionError",
    "MethodNotImplementedError",
    "ModelNotFoundError",
    "NotificationError",
]
