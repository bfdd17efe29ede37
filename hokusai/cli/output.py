"""How the command line speaks: one line per failure, colour only on a terminal, JSON on request."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from hokusai.errors import (
    AuthenticationError,
    ConfigurationError,
    HokusaiError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitedError,
    RegistryUnavailableError,
    TLSError,
    mask_keys,
)

# Documented in docs/cli.md; scripts depend on them, so they never change meaning.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_PERMISSION = 4
EXIT_UNAVAILABLE = 5
EXIT_TLS = 6
EXIT_PARTIAL = 7
# `hokusai doctor`: nothing is wrong, but the mode (local, mock) keeps models off the remote.
EXIT_NOT_REMOTE = 8

_EXIT_BY_ERROR: tuple[tuple[type[HokusaiError], int], ...] = (
    (InvalidInputError, EXIT_USAGE),
    (ConfigurationError, EXIT_USAGE),
    (AuthenticationError, EXIT_AUTH),
    (PermissionDeniedError, EXIT_PERMISSION),
    (RateLimitedError, EXIT_UNAVAILABLE),
    (RegistryUnavailableError, EXIT_UNAVAILABLE),
    (TLSError, EXIT_TLS),
)


def exit_code_for(error: HokusaiError) -> int:
    return next((code for cls, code in _EXIT_BY_ERROR if isinstance(error, cls)), EXIT_ERROR)


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def style(text: str, colour: str, stream: TextIO = sys.stdout) -> str:
    codes = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2"}
    if not use_colour(stream):
        return text
    return f"\033[{codes[colour]}m{text}\033[0m"


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str, sort_keys=True))


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max((len(k) for k, _ in rows), default=0)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")


def report_error(error: HokusaiError) -> int:
    """Print what happened (with the error's type) and the next step on stderr; return the
    exit code."""
    label = style(f"error ({type(error).__name__}):", "red", sys.stderr)
    print(f"{label} {_one_line(error.message)}", file=sys.stderr)
    if error.hint:
        print(f"  next: {_one_line(error.hint)}", file=sys.stderr)
    return exit_code_for(error)


def report_unexpected(error: Exception, *, as_json: bool = False) -> int:
    """A failure the SDK did not type: still one line and a next step, never the traceback
    (``--debug`` shows it). The text is masked: a library's message may quote anything."""
    kind = type(error).__name__
    message = _one_line(mask_keys(str(error))) or "(no message)"
    hint = "Run the command again with --debug for the traceback, and report it if it persists."
    if as_json:
        error_json = {"type": kind, "message": message, "hint": hint, "status": None, "code": None}
        print_json({"error": error_json})
    label = style(f"error ({kind}):", "red", sys.stderr)
    print(f"{label} {message}", file=sys.stderr)
    print(f"  next: {hint}", file=sys.stderr)
    return EXIT_ERROR


def _one_line(text: str) -> str:
    return " ".join(text.split())
