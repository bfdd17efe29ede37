"""``hokusai status``: where registrations go now, and which ones still wait to be pushed.

Exit code 0 (it only reports; ``hokusai doctor`` judges, and damaged pending files are listed,
not fatal), 2 when the configuration is invalid.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hokusai.cli.output import EXIT_OK, print_json, print_table, style
from hokusai.cli.parsing import Subparsers, add_command
from hokusai.cli.wiring import arguments, open_registry

if TYPE_CHECKING:
    from hokusai.local.pending import DamagedRecord, PendingRegistration, PendingStore
    from hokusai.models import ProbeResult, RegistryStatus


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "status",
        summary="the registry's mode and reachability, and pending registrations",
        description="Show the mode, the URIs, the key (masked) and a fresh check of the hosted "
        "registry, then the registrations made locally during an outage that `hokusai sync` "
        "has not pushed yet. `hokusai models list --local` lists the local store itself.",
        exit_codes="  2  the configuration is invalid (status only reports; doctor judges)",
    )
    parser.add_argument(
        "--no-probe", action="store_true", help="do not contact the hosted registry"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    status, store = _unprobed(args) if args.no_probe else _probed(args)
    pending, damaged = store.pending(), store.damaged()
    if args.json:
        print_json(
            {
                "registry": status.as_dict(),
                "pending": [r.as_dict() for r in pending],
                "damaged": [d.as_dict() for d in damaged],
            }
        )
        return EXIT_OK
    _print_status(status)
    _print_pending(pending)
    print_damaged(damaged)
    return EXIT_OK


def _probed(args: argparse.Namespace) -> tuple[RegistryStatus, PendingStore]:
    with open_registry(args) as registry:
        return registry.status(probe=True), registry.pending_store()


def _unprobed(args: argparse.Namespace) -> tuple[RegistryStatus, PendingStore]:
    """Without a registry: the same configuration and report, minus the backends and MLflow."""
    from hokusai.config.resolution import registry_config
    from hokusai.local.pending import PendingStore
    from hokusai.platform.registry_status import registry_status

    config = registry_config(arguments(args))
    store = PendingStore(config.pending_dir)
    return registry_status(config, store), store


def print_damaged(damaged: Sequence[DamagedRecord]) -> None:
    """The files in pending/ that are not readable records, and what becomes of them."""
    if not damaged:
        return
    print(style(f"\n{len(damaged)} pending file(s) that cannot be synced:", "red"))
    print_table([(d.path.name, f"{d.reason}; {_fate(d)}") for d in damaged])
    if any(not d.newer for d in damaged):
        print(
            "next: look at the files in pending/damaged/ and register those models again if "
            "they are not in the local store; the other records are not affected."
        )


def _fate(record: DamagedRecord) -> str:
    if record.moved_to is not None:
        return f"moved to {record.moved_to}"
    if record.newer:
        return "left in place"
    return "`hokusai sync` moves it to pending/damaged/"


def _probe_text(probe: ProbeResult | None) -> str:
    if probe is None:
        return "not checked"
    text: str = probe.verdict
    if probe.latency_ms is not None:
        text += f" ({probe.latency_ms} ms)"
    if probe.reason:
        text += f": {probe.reason}"
    return style(text, "green" if probe.verdict == "ok" else "red")


def _print_status(status: RegistryStatus) -> None:
    key = f"{status.masked_key} from {status.key_source}" if status.masked_key else "(none)"
    print_table(
        [
            ("mode", status.mode),
            ("target", status.target),
            ("remote tracking URI", status.remote_uri),
            ("local tracking URI", status.local_uri),
            ("API key", key),
            ("hosted registry", _probe_text(status.last_probe)),
            ("pending", str(status.pending_registrations)),
        ]
    )


def _print_pending(pending: list[PendingRegistration]) -> None:
    if not pending:
        print("\nNo registrations waiting to be pushed.")
        return
    print(
        style(
            f"\n{len(pending)} registration(s) made locally, not yet on the hosted registry:",
            "bold",
        )
    )
    print_table(
        [
            (
                f"{r.name} v{r.local_version}",
                f"{r.created_at}  alias={r.alias or '-'}  ({r.reason})",
            )
            for r in pending
        ]
    )
    print("next: run `hokusai sync` to push them.")
