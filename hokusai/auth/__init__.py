"""The earlier SDK's ``hokusai.auth``, kept for code that imports it.
May import: the modules it points at.

The earlier SDK's authentication package: ``HokusaiAuth``, ``configure``/``setup`` and the
authentication errors.

The key a ``HokusaiAuth`` holds is sent by the registry only to the registry's own URI, over
https (plain http only to this machine); ``hokusai.configure()`` makes it the process-wide
default without touching ``os.environ``. How MLflow's requests carry the key lives in
``hokusai.connection.request_auth``.
"""

from hokusai.auth.exceptions import (
    AuthenticationError,
    AuthorizationError,
    HokusaiAuthError,
    RateLimitError,
)
from hokusai.config.hokusai_auth import HokusaiAuth, configure, get_global_auth, setup

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "HokusaiAuth",
    "HokusaiAuthError",
    "RateLimitError",
    "configure",
    "get_global_auth",
    "setup",
]
