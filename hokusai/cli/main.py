"""``hokusai``: entry point and dispatch. Each command lives in its own module.

Startup stays light: this module and the command modules import neither MLflow nor the registry
at module level, so ``hokusai --help``, ``completion`` and ``whoami --offline`` start in a
fraction of a second. Commands import what they need when they run.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from importlib import import_module

from hokusai.cli.output import EXIT_ERROR, EXIT_OK, print_json, report_error, report_unexpected
from hokusai.cli.parsing import build_root, finish
from hokusai.errors import HokusaiError, mask_keys

# Modules under hokusai.cli with add_parser(subparsers); order is the order in --help.
COMMANDS = (
    "quickstart",
    "register",
    "model",
    "models",
    "status",
    "sync",
    "event",
    "doctor",
    "login",
    "completion",
)


def build_parser() -> argparse.ArgumentParser:
    parser, subparsers = build_root()
    for name in COMMANDS:
        import_module(f"hokusai.cli.{name}").add_parser(subparsers)
    return parser


class MaskingFormatter(logging.Formatter):
    """Every line the command's log handler prints, masked: at DEBUG urllib3 logs each request
    line, query string included, and a key written into the tracking URI would be in it."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_keys(super().format(record))


def _configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        MaskingFormatter("%(levelname)s %(name)s: %(message)s" if debug else "%(message)s")
    )
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, handlers=[handler])
    if not debug:
        # MLflow's own INFO chatter (migrations, run links) is noise on a command line; MLflow
        # sets its logger's level at import from this variable.
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
        logging.getLogger("alembic").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    args = finish(build_parser().parse_args(argv))
    _configure_logging(args.debug)
    try:
        code: int = args.run(args)
        return code
    except HokusaiError as error:
        if args.debug:
            _print_traceback()
        if args.json:
            # A script that asked for JSON gets JSON on failure too (and the line on stderr).
            from hokusai.doctor import error_dict

            print_json({"error": error_dict(error)})
        return report_error(error)
    except BrokenPipeError:
        # `hokusai status --json | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:  # the last line of defence: one line, not a traceback
        if args.debug:
            _print_traceback()
        return report_unexpected(error, as_json=args.json)


def _print_traceback() -> None:
    # MLflow's and urllib3's messages quote request URLs, query strings included.
    print(mask_keys(traceback.format_exc()), end="", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
