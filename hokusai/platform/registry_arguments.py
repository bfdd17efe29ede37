"""What ``ModelRegistry(...)`` does with keyword arguments it does not name.

The earlier SDK passed ``**kwargs`` on to its HTTP client, so old scripts may pass ``timeout``,
``retry_count``, ``auth_service_url`` or ``validate_with_auth_service``: each is mapped or
ignored with a ``DeprecationWarning`` naming what replaced it. A name close to one of the
registry's own keywords is a typo that would otherwise silently change where models go
(``mdoe="mock"``), so it raises; anything else is ignored with a warning.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Mapping

from hokusai.errors import UnknownArgumentError

_NO_AUTH_SERVICE = (
    "it is ignored: hokusai never calls an auth service; the registry checks the key on the "
    "first call (`hokusai doctor` checks it now)."
)
_IGNORED = {
    "retry_count": "retry_count is ignored: the SDK makes no blind retries; pass the error's "
    "idempotency_key to register_model to retry safely.",
    "auth_service_url": f"auth_service_url is no longer used; {_NO_AUTH_SERVICE}",
    "validate_with_auth_service": f"validate_with_auth_service is no longer used; "
    f"{_NO_AUTH_SERVICE}",
}
_RENAMED = {"timeout": "request_timeout"}


def translate(
    extra: Mapping[str, object], own: Iterable[str], *, stacklevel: int = 3
) -> dict[str, object]:
    """The registry arguments ``extra`` stands for; warns or raises for the rest."""
    own = list(own)
    arguments: dict[str, object] = {}
    ignored: list[str] = []
    for name, value in extra.items():
        if name in _RENAMED:
            new = _RENAMED[name]
            warnings.warn(
                f"ModelRegistry({name}=...) is now ModelRegistry({new}=...) (seconds per "
                "request, also HOKUSAI_REQUEST_TIMEOUT).",
                DeprecationWarning,
                stacklevel=stacklevel,
            )
            arguments[new] = value
        elif name in _IGNORED:
            warnings.warn(_IGNORED[name], DeprecationWarning, stacklevel=stacklevel)
        else:
            close = difflib.get_close_matches(name, own, n=1, cutoff=0.75)
            if close:
                raise UnknownArgumentError(
                    f"ModelRegistry() got an unexpected keyword argument {name!r}; did you "
                    f"mean {close[0]!r}?",
                    parameter_name=name,
                )
            ignored.append(name)
    if ignored:
        warnings.warn(
            f"ModelRegistry() ignores the keyword argument(s) {', '.join(map(repr, ignored))}: "
            f"it takes {', '.join(own)}.",
            UserWarning,
            stacklevel=stacklevel,
        )
    return arguments
