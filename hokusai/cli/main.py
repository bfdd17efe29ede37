"""``hokusai``: entry point and dispatch. Each command lives in its own module."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from importlib import import_module

from hokusai import __version__
from hokusai.cli.output import EXIT_ERROR, EXIT_OK, print_json, report_error
from hokusai.errors import HokusaiError

# Modules under hokusai.cli with add_parser(subparsers); order is the order in --help.
COMMANDS = ("quickstart", "register", "status", "sync", "doctor", "login")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hokusai", description="Register models on the Hokusai ML Platform."
    )
    parser.add_argument("--version", action="version", version=f"hokusai {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        import_module(f"hokusai.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if args.debug else "%(message)s",
    )
    if not args.debug:
        # MLflow's own INFO chatter (migrations, run links) is noise on a command line; MLflow
        # sets its logger's level at import from this variable.
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
        logging.getLogger("alembic").setLevel(logging.ERROR)
    try:
        code: int = args.run(args)
        return code
    except HokusaiError as error:
        if args.debug:
            traceback.print_exc()
        if getattr(args, "json", False):
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


if __name__ == "__main__":
    sys.exit(main())
