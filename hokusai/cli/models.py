"""``hokusai models list`` and ``hokusai models versions NAME``: what a registry holds.

The hosted registry by default (mode ``remote``: a read never falls back, so an unreachable
registry is an error, not the local store's answer), or the local store with ``--local``.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from hokusai.cli.output import EXIT_OK, print_json, print_table
from hokusai.cli.parsing import COMMON_EXIT_CODES, Subparsers, add_command
from hokusai.cli.progress import progress_for
from hokusai.cli.wiring import open_registry
from hokusai.errors import mask_keys

if TYPE_CHECKING:
    from hokusai.models import ModelRegistryEntry
    from hokusai.registry import ModelRegistry


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


Listing = tuple[str, list["ModelRegistryEntry"], dict[str, dict[str, str]]]


def _entries(args: argparse.Namespace, name: str | None) -> Listing:
    """The registry's URI, its versions (of ``name``, or all) and each model's aliases."""
    where = "local store" if args.local else "hosted registry"
    with progress_for(args.quiet) as progress:
        progress.update(f"reading the {where}")
        from hokusai.platform import validation

        wanted = validation.model_name(name, field="name") if name is not None else None
        with open_registry(args, mode="local" if args.local else "remote") as registry:
            entries = registry.backend.search_versions(name=wanted)
            return mask_keys(registry.tracking_uri), entries, _aliases(registry) if entries else {}


def _aliases(registry: ModelRegistry) -> dict[str, dict[str, str]]:
    """Model name -> {alias: version}. MLflow's version search leaves aliases out, so they are
    read from the registered models (the versions were read just before: errors are rare)."""
    from hokusai.transport.classify import ErrorContext, from_mlflow

    try:
        found = registry.client.search_registered_models(max_results=1000)
    except Exception as exc:
        raise from_mlflow(exc, None, ErrorContext(uri=registry.tracking_uri)) from exc
    return {model.name: dict(model.aliases or {}) for model in found}


def run_list(args: argparse.Namespace) -> int:
    uri, entries, aliases = _entries(args, None)
    by_name: dict[str, list[ModelRegistryEntry]] = defaultdict(list)
    for entry in entries:
        by_name[entry.name].append(entry)
    models = [
        _model_row(name, versions, aliases.get(name, {}))
        for name, versions in sorted(by_name.items())
    ]
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


def _model_row(
    name: str, versions: list[ModelRegistryEntry], aliases: dict[str, str]
) -> dict[str, Any]:
    latest = max(versions, key=lambda e: int(e.version or 0))
    return {
        "name": name,
        "versions": len(versions),
        "latest_version": latest.version,
        "aliases": sorted(f"{alias}=v{version}" for alias, version in aliases.items()),
    }


def run_versions(args: argparse.Namespace) -> int:
    uri, entries, aliases = _entries(args, args.name)
    ordered = sorted(entries, key=lambda e: int(e.version or 0))
    on_version: dict[str, list[str]] = defaultdict(list)
    for alias, version in sorted(aliases.get(args.name, {}).items()):
        on_version[str(version)].append(alias)
    if args.json:
        rows = [
            {
                "version": e.version,
                "aliases": on_version[str(e.version)],
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
                f"aliases {', '.join(on_version[str(e.version)]) or '-'}  "
                f"run {e.run_id or '-'}  {e.source}",
            )
            for e in ordered
        ]
    )
    return EXIT_OK
