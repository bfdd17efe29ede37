"""What a registry URL is: well formed, this machine, a Hokusai host.

``urllib`` parses lazily: ``urlsplit`` accepts ``http://h:99999`` and only ``.port`` raises, and
``http://[::1`` raises a bare ``ValueError`` with no word of which setting held it. Every URL
the SDK will send the key to is split here once, so a malformed one fails as a
``ConfigurationError`` naming the setting and where it came from.
"""

from __future__ import annotations

import re
from ipaddress import ip_address
from urllib.parse import SplitResult, urlsplit

from hokusai.errors import ConfigurationError

# The platform's own hosts (registry.hokus.ai, and api.hokus.ai of the earlier SDK).
HOKUSAI_DOMAIN = "hokus.ai"
# Letters (any script: internationalised names), digits, '_', '-', '.'; IPv6 literals come
# bracketed and are checked by ``ip_address``.
_HOST = re.compile(r"[\w.-]+")


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_hokusai_host(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == HOKUSAI_DOMAIN or name.endswith("." + HOKUSAI_DOMAIN)


def split_url(uri: str, *, what: str, source: str) -> SplitResult:
    """``uri`` split, with its host and port checked; ``ConfigurationError`` if malformed."""
    try:
        parts = urlsplit(uri)
        problem = _problem(parts)
    except ValueError as exc:
        # "Port out of range 0-65535", "Invalid IPv6 URL", "'zz' does not appear to be ...".
        problem = str(exc)
    if problem is not None:
        raise ConfigurationError(
            f"The {what} {uri!r} (from {source}) is not a valid URL: {problem}.",
            hint=f"Correct the value ({source}); the hosted registry is "
            "https://registry.hokus.ai/api/mlflow.",
        )
    return parts


def _problem(parts: SplitResult) -> str | None:
    """What is wrong with the host or port of ``parts``; raises ``ValueError`` as urllib does."""
    port = parts.port
    host = parts.hostname or ""
    # Python 3.11 checks that a bracketed host is an IP address; 3.10 takes "[registry]" as is.
    bracketed = re.search(r"\[([^\]]*)\]", parts.netloc)
    if bracketed:
        ip_address(bracketed.group(1))
    if port == 0:
        return "port 0 is not a port a server listens on"
    if host and ":" not in host and not _HOST.fullmatch(host):
        return f"{host!r} is not a host name"
    return None


def host_of(uri: str) -> str | None:
    """The host of ``uri``, or None when it has none or is malformed (never raises)."""
    try:
        return urlsplit(uri).hostname or None
    except ValueError:
        return None


__all__ = ["HOKUSAI_DOMAIN", "host_of", "is_hokusai_host", "is_loopback", "split_url"]
