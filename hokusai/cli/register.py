"""``hokusai register PATH_OR_URI --name NAME``: register an MLflow model directory or URI.

Exit codes: 0 registered (on the hosted registry, or in the local store after a fallback: the
output says which); 1 optional mode skipped it; otherwise the error's code (2 bad input or
configuration, 3 key rejected, 4 no permission, 5 unavailable, 6 TLS).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hokusai.cli.output import EXIT_ERROR, EXIT_OK, print_json, print_table, style
from hokusai.cli.parsing import COMMON_EXIT_CODES, Subparsers, add_command
from hokusai.cli.progress import progress_for
from hokusai.cli.wiring import open_registry

if TYPE_CHECKING:
    from hokusai.models import ModelRegistryEntry

# Tags whose value says nothing (the SDK writes `metrics={}` when none were given).
_EMPTY_VALUES = frozenset({"", "{}", "[]"})

_WHERE = {
    "remote": "on the hosted registry",
    "local": "in the local store",
    "mock": "in the in-memory mock registry",
}


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "register",
        summary="register an MLflow model directory or a runs:/ or models:/ URI",
        description="Register a model version through ModelRegistry(): on the hosted registry "
        "when a key is set and it answers, else in the local store (pushed later by `hokusai "
        "sync`). The output says which.",
        exit_codes="  1  optional mode skipped the registration\n" + COMMON_EXIT_CODES,
    )
    parser.add_argument("model", metavar="PATH_OR_URI", help="MLflow model directory or URI")
    parser.add_argument("--name", required=True, help="registered model name")
    parser.add_argument("--alias", help="alias to point at the new version")
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        type=_tag,
        metavar="KEY=VALUE",
        help="tag the version (repeatable)",
    )
    parser.add_argument("--description", help="version description")
    parser.set_defaults(run=run)


def _tag(raw: str) -> tuple[str, str]:
    key, sep, value = raw.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {raw!r}")
    return key.strip(), value


def run(args: argparse.Namespace) -> int:
    with progress_for(args.quiet) as progress:
        progress.update("loading MLflow")
        with open_registry(args) as registry:
            progress.update(f"registering {args.name} (staging and upload)")
            entry = registry.register_model(
                args.model,
                args.name,
                tags=dict(args.tag),
                alias=args.alias,
                description=args.description,
            )
    if args.json:
        print_json(entry.as_dict())
    else:
        print_entry(entry)
    return EXIT_OK if entry.registered else EXIT_ERROR


def print_entry(entry: ModelRegistryEntry) -> None:
    """One line of what happened, the entry's fields, and the next step when there is one."""
    if not entry.registered:
        print(style(f"Not registered: {entry.reason}", "yellow"))
        return
    print(style(f"Registered {entry.name} version {entry.version} {where(entry)}.", "green"))
    rows = [
        ("target", entry.target),
        ("tracking URI", entry.tracking_uri),
        ("name", entry.name),
        ("version", str(entry.version)),
        ("aliases", ", ".join(entry.aliases) or "-"),
        ("source", str(entry.source)),
        ("run id", str(entry.run_id)),
    ]
    rows += [
        (f"tag {k}", v) for k, v in sorted(entry.tags.items()) if v.strip() not in _EMPTY_VALUES
    ]
    if entry.reason:
        rows.append(("reason", entry.reason))
    print_table(rows)
    print_next_step(entry)


def where(entry: ModelRegistryEntry) -> str:
    """Where the version went, as a phrase: "on the hosted registry", "in the local store"."""
    return _WHERE.get(entry.target, entry.target)


def print_next_step(entry: ModelRegistryEntry) -> None:
    if entry.pending_sync:
        print("next: it is recorded as pending; run `hokusai sync` when the registry is back.")
