"""The API key as a value that cannot leak by accident, and where it is looked up.

``ApiKey`` shows only a masked form in ``repr``, ``str`` and ``format``, refuses to pickle, and
validates itself on creation so that a key that would corrupt an HTTP header (inner whitespace,
control characters, non-ASCII) never reaches a request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import NoReturn

from hokusai.errors import ConfigurationError, mask_secret

logger = logging.getLogger(__name__)

KNOWN_PREFIXES = ("hk_live_", "hk_test_", "hk_dev_")
_PRINTABLE_TOKEN = re.compile(r"[\x21-\x7e]+")


class ApiKey:
    """A Hokusai API key. ``reveal()`` is the only way to read the secret.

    >>> ApiKey("hk_live_" + "a" * 32 + "abcd")
    ApiKey('hk_live_…abcd')
    """

    __slots__ = ("_secret",)

    def __init__(self, raw: str, *, source: str = "argument") -> None:
        key = raw.strip()
        if not key:
            raise ConfigurationError(f"The API key from {source} is empty.", hint=_KEY_HINT)
        if not _PRINTABLE_TOKEN.fullmatch(key):
            # Say what is wrong without echoing the key: it may be a real one with a typo.
            raise ConfigurationError(
                f"The API key from {source} contains whitespace, control or non-ASCII "
                "characters; it cannot be sent in an HTTP header.",
                hint="Copy the key again from your Hokusai dashboard, without line breaks.",
            )
        if not key.startswith(KNOWN_PREFIXES):
            logger.warning(
                "The API key from %s does not start with %s; the registry may reject it.",
                source,
                ", ".join(KNOWN_PREFIXES),
            )
        self._secret = key

    def reveal(self) -> str:
        """The secret itself, for the Authorization header and the credential store only."""
        return self._secret

    @property
    def masked(self) -> str:
        """``hk_live_…abcd``: the prefix and the last four characters, or only the prefix when
        the rest is shorter than 12 characters (four would be too much of it)."""
        prefix = next((p for p in KNOWN_PREFIXES if self._secret.startswith(p)), "")
        return mask_secret(prefix, self._secret[len(prefix) :])

    def __repr__(self) -> str:
        return f"ApiKey({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(("ApiKey", self._secret))

    def __reduce__(self) -> NoReturn:
        raise TypeError("ApiKey cannot be pickled: it would write the secret out in clear.")

    def __copy__(self) -> ApiKey:
        return self

    def __deepcopy__(self, memo: object) -> ApiKey:
        return self


_KEY_HINT = "Set HOKUSAI_API_KEY to the key from your Hokusai dashboard, or run `hokusai login`."


@dataclass(frozen=True)
class Credentials:
    """The key a registry uses, and where it was found (for ``doctor`` and error messages)."""

    api_key: ApiKey | None
    source: str | None

    @property
    def masked(self) -> str | None:
        return self.api_key.masked if self.api_key else None

    @classmethod
    def none(cls) -> Credentials:
        return cls(api_key=None, source=None)
