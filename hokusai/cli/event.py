"""``hokusai event send NAME VERSION``: send a tokenized model's registration event again.

For an event that failed after its model was registered (``NotificationError``, or
``site_status_update == "failed"`` under best effort): the version is read from the hosted
registry, the event is built from its tags and sent; nothing is registered.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hokusai.cli.output import EXIT_OK, print_json
from hokusai.cli.parsing import COMMON_EXIT_CODES, Subparsers, add_command
from hokusai.cli.wiring import open_registry


def add_parser(subparsers: Subparsers) -> None:
    event = add_command(
        subparsers,
        "event",
        summary="send a tokenized model's registration event to the Hokusai site again",
        description="Registration events tell the Hokusai site that a tokenized model is on the "
        "hosted registry: `hokusai event send NAME VERSION` resends one that failed.",
        page="registration-events.md",
    )
    actions = event.add_subparsers(dest="event_command", required=True, metavar="ACTION")
    send = add_command(
        actions,
        "send",
        summary="send the registration event of NAME VERSION",
        description="Read version VERSION of NAME from the hosted registry, build its "
        "registration event from its tags and send it. Nothing is registered.",
        exit_codes="  1  the event was not delivered (the message says why)\n" + COMMON_EXIT_CODES,
        page="registration-events.md",
    )
    send.add_argument("name", metavar="NAME", help="registered model name")
    send.add_argument("version", metavar="VERSION", help="its version number")
    send.add_argument(
        "--api-schema",
        type=Path,
        metavar="FILE",
        help="a JSON file with the model's API schema, sent with the event",
    )
    send.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long the request may take (default 10)",
    )
    send.add_argument(
        "--api-endpoint",
        metavar="URL",
        help="the platform API base (default: HOKUSAI_API_ENDPOINT, else HOKUSAI_API_URL, else "
        "the tracking URI without /mlflow)",
    )
    send.set_defaults(run=run_send)


def run_send(args: argparse.Namespace) -> int:
    schema = _schema(args.api_schema) if args.api_schema is not None else None
    with open_registry(args) as registry:
        entry = registry.send_registration_event(
            args.name,
            args.version,
            api_schema=schema,
            notification_timeout=args.timeout,
            notification_api_endpoint=args.api_endpoint,
        )
    if args.json:
        print_json({"model_name": entry.name, "version": entry.version, "event_emitted": True})
    else:
        print(f"Registration event of {entry.name} version {entry.version} sent.")
    return EXIT_OK


def _schema(path: Path) -> Any:
    from hokusai.errors import InvalidInputError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"--api-schema {path}: not a readable JSON file ({exc}).") from None
