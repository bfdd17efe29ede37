"""The earlier SDK's authentication errors (``hokusai.auth.exceptions``).

Each is the class the SDK raises today, so ``except AuthenticationError`` around a registry call
catches a rejected key (HTTP 401) as it did:

- ``HokusaiAuthError``: base of the three below;
- ``AuthenticationError``: ``hokusai.errors.AuthenticationError`` (401, or no key at all);
- ``AuthorizationError``: ``hokusai.errors.PermissionDeniedError`` (403);
- ``RateLimitError``: ``hokusai.errors.RateLimitedError`` (429), ``retry_after`` kept.
"""

from hokusai.errors import AuthenticationError, HokusaiAuthError
from hokusai.errors import PermissionDeniedError as AuthorizationError
from hokusai.errors import RateLimitedError as RateLimitError

__all__ = ["AuthenticationError", "AuthorizationError", "HokusaiAuthError", "RateLimitError"]
