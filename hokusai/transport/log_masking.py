"""urllib3's own log lines, with the secrets of the URLs they quote masked.

At DEBUG urllib3 logs every request line, query string included, and every retry with its URL:
a key written into a tracking URI (``?api_key=...``) would stand in the user's own logs,
whatever handlers they configured. A filter on those loggers rewrites such a record before
any handler sees it; records without a secret pass untouched. ``http_bounds``, through which
every request of the SDK goes, installs it when first imported; it only masks, so other users
of urllib3 lose nothing.
"""

from __future__ import annotations

import logging

from hokusai.errors import mask_keys

# The urllib3 loggers whose messages quote URLs (a filter applies to its own logger only).
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")


class MaskedUrlFilter(logging.Filter):
    """Masks the secrets in a record's message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_keys(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install() -> None:
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskedUrlFilter) for f in logger.filters):
            logger.addFilter(MaskedUrlFilter())


__all__ = ["URL_LOGGERS", "MaskedUrlFilter", "install"]
