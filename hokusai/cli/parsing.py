"""The command line's grammar: global options accepted anywhere, and help that names exit codes.

argparse (standard library) rather than click/typer: nothing to install, about 10 ms to import,
and the parser is plain data that ``hokusai completion`` walks to write static completion
scripts. Global options are declared once here and added both to the top-level parser and to
every command, with ``SUPPRESS`` defaults so that a value given before the command is not reset
by the command's parser (``hokusai --json status`` and ``hokusai status --json`` are the same).
"""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING, Any

DOCS_URL = (
    "https://github.com/Hokusai-protocol/hokusai-data-pipeline/tree/main/hokusai-ml-platform/docs"
)

# name -> value when the option is absent; read with ``args.<name>`` after ``finish()``.
GLOBAL_DEFAULTS: dict[str, Any] = {"debug": False, "json": False, "quiet": False, "profile": None}

# Exit codes every command can end with; each command adds its own above these.
COMMON_EXIT_CODES = (
    "  1  any other error (the message says which)\n"
    "  2  bad input or configuration (also wrong usage)\n"
    "  3  no key, or the key is rejected (401)\n"
    "  4  the key may not do this (403)\n"
    "  5  the registry is unreachable, failing or rate limiting\n"
    "  6  the TLS handshake failed"
)

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # not subscriptable at run time before Python 3.12
    Subparsers = argparse._SubParsersAction


def global_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show debug logs and the traceback of an error",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the result as JSON on stdout (errors too)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no progress messages (they are off anyway when stderr is not a terminal)",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="use the key stored under this profile (default: $HOKUSAI_PROFILE, else 'default')",
    )
    return parent


_GLOBALS = global_options()


def epilog(exit_codes: str, page: str = "cli.md") -> str:
    return f"exit codes:\n  0  success\n{exit_codes}\n\ndocs: {DOCS_URL}/{page}"


def _fill(text: str) -> str:
    # The raw formatter keeps the epilog's columns; the description is wrapped here instead.
    return "\n".join(
        textwrap.fill(line, 88, subsequent_indent=" " * (len(line) - len(line.lstrip())))
        for line in text.splitlines()
    )


def add_command(
    subparsers: Subparsers,
    name: str,
    *,
    summary: str,
    description: str,
    exit_codes: str = COMMON_EXIT_CODES,
    page: str = "cli.md",
) -> argparse.ArgumentParser:
    """A command with the global options, a description, and its exit codes and docs in --help."""
    return subparsers.add_parser(
        name,
        help=summary,
        description=_fill(description),
        epilog=epilog(exit_codes, page),
        parents=[_GLOBALS],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


class _Version(argparse.Action):
    """``--version``, which looks the installed version up only when asked."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest=dest,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show program's version number and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        from hokusai.support.distribution import installed_version

        print(f"hokusai {installed_version()}")  # on stdout, as argparse's own version action does
        parser.exit()


def build_root() -> tuple[argparse.ArgumentParser, Subparsers]:
    parser = argparse.ArgumentParser(
        prog="hokusai",
        description=_fill(
            "Register models on the Hokusai ML Platform's hosted MLflow registry, with a local "
            "store when it is unreachable. `hokusai COMMAND --help` describes a command."
        ),
        epilog=epilog(COMMON_EXIT_CODES + "\n  7  sync: some registrations stay pending"),
        parents=[_GLOBALS],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser, subparsers


def finish(args: argparse.Namespace) -> argparse.Namespace:
    """Fill in the global options that were not given anywhere on the line."""
    for name, default in GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    return args
