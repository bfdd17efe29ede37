"""``hokusai models list`` and ``hokusai models versions NAME``: what a registry holds.

The hosted registry by default (mode ``remote``: a read never falls back, so an unreachable
registry is an error, not the local store's answer), or the local store with ``--local``.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

from hokusai.cli.output import EXIT_OK, print_json, print_table
from hokusai.cli.parsing import COMMON_EXIT_CODES, Subparsers, add_command
from hokusai.cli.progress import progress_for
from hokusai.models import ModelRegistryEntry


def add_parser(subparsers: Subparsers) -> None:
    models = add_command(
        subparsers,
        "models",
        summary="list registered models and their versions",
        description="List what the hosted registry holds (or the local store, with --local): "
        "`hokusai models list`, `hokusai models versions NAME`.",
    )
    actions = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    listing = add_command(
        actions,
        "list",
        summary="registered models, with their latest version and aliases",
        description="One line per registered model: its name, how many versions, the latest "
        "version and the aliases set on it.",
        exit_codes=COMMON_EXIT_CODES,
    )
    versions = add_command(
        actions,
        "versions",
        summary="the versions of one model",
        description="One line per version of NAME: its number, aliases, run id and source.",
        exit_codes=COMMON_EXIT_CODES,
    )
    versions.add_argument("name", metavar="NAME", help="registered model name")
    for parser in (listing, versions):
        parser.add_argument(
            "--local",
            action="store_true",
            help="read the local store ($HOKUSAI_HOME/mlflow) instead of the hosted registry",
        )
    listing.set_defaults(run=run_list)
    versions.set_defaults(run=run_versions)


def _entries(args: argparse.Namespace, name: str | None) -> tuple[str, list[ModelRegistryEntry]]:
    where = "local store" if args.local else "hosted registry"
    with progress_for(args.quiet) as progress:
        progress.update(f"reading the {where}")
        from hokusai import validation
        from hokusai.registry import ModelRegistry

        wanted = validation.model_name(name, field="name") if name is not None else None
        with ModelRegistry(mode="local" if args.local else "remote") as registry:
            return registry.tracking_uri, registry.backend.search_versions(name=wanted)


def run_list(args: argparse.Namespace) -> int:
    uri, entries = _entries(args, None)
    by_name: dict[str, list[ModelRegistryEntry]] = defaultdict(list)
    for entry in entries:
        by_name[entry.name].append(entry)
    models = [_model_row(name, versions) for name, versions in sorted(by_name.items())]
    if args.json:
        print_json({"registry": uri, "models": models})
        return EXIT_OK
    if not models:
        print(f"No registered models in {uri}.")
        return EXIT_OK
    print_table(
        [
            (
                m["name"],
                f"{m['versions']} version(s), latest {m['latest_version']}"
                + (f", aliases {', '.join(m['aliases'])}" if m["aliases"] else ""),
            )
            for m in models
        ]
    )
    return EXIT_OK


def _model_row(name: str, versions: list[ModelRegistryEntry]) -> dict[str, Any]:
    latest = max(versions, key=lambda e: int(e.version or 0))
    aliases = sorted({f"{a}=v{e.version}" for e in versions for a in e.aliases})
    return {
        "name": name,
        "versions": len(versions),
        "latest_version": latest.version,
        "aliases": aliases,
    }


def run_versions(args: argparse.Namespace) -> int:
    uri, entries = _entries(args, args.name)
    ordered = sorted(entries, key=lambda e: int(e.version or 0))
    if args.json:
        rows = [
            {
                "version": e.version,
                "aliases": list(e.aliases),
                "run_id": e.run_id,
                "source": e.source,
            }
            for e in ordered
        ]
        print_json({"registry": uri, "name": args.name, "versions": rows})
        return EXIT_OK
    if not ordered:
        print(f"No versions of {args.name} in {uri}.")
        print("next: `hokusai models list` shows the names there.")
        return EXIT_OK
    print_table(
        [
            (
                f"v{e.version}",
                f"aliases {', '.join(e.aliases) or '-'}  run {e.run_id or '-'}  {e.source}",
            )
            for e in ordered
        ]
    )
    return EXIT_OK
