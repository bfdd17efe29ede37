"""``hokusai sync``: push registrations made locally during an outage, each exactly once.

Exit codes: 0 every pending registration is on the hosted registry (or, with ``--dry-run``,
every one could be pushed); 7 some failed or were not attempted (they stay pending: run it
again), some would fail (``--dry-run``), or some pending files are damaged (moved to
``pending/damaged/``) or from a newer hokusai; 1 another sync is running (or the local store
failed); 2 the mode has no hosted registry; 3, 4, 5, 6 nothing could be pushed (key missing or
rejected, no permission, unreachable, TLS), with every record left pending.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from hokusai.cli.output import EXIT_OK, EXIT_PARTIAL, print_json, print_table, style
from hokusai.cli.parsing import COMMON_EXIT_CODES, Subparsers, add_command
from hokusai.cli.progress import progress_for
from hokusai.cli.status import print_damaged
from hokusai.cli.wiring import open_registry
from hokusai.errors import HokusaiError, RateLimitedError, RegistryUnavailableError

if TYPE_CHECKING:
    from hokusai.sync import SyncItem, SyncReport


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "sync",
        summary="push pending local registrations to the hosted registry",
        description="Push every registration made locally while the hosted registry was "
        "unreachable. Safe to interrupt and run again: nothing is registered twice.",
        exit_codes="  7  some failed or were not attempted (with --dry-run: some would fail); "
        "they stay pending\n" + COMMON_EXIT_CODES,
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be pushed; change nothing"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="records pushed at once, 1-64 (default: HOKUSAI_SYNC_CONCURRENCY, else 4)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hokusai.sync import sync_pending

    with progress_for(args.quiet) as progress, open_registry(args) as registry:
        # Any callback that takes a SyncEvent works here; the display stays in the CLI.
        report = sync_pending(
            registry,
            dry_run=args.dry_run,
            concurrency=args.concurrency,
            on_progress=progress.sync_event,
        )
    if args.json:
        print_json(_report_json(report))
    else:
        _print(report)
    return EXIT_OK if _settled(report) else EXIT_PARTIAL


def _settled(report: SyncReport) -> bool:
    if report.dry_run:
        # A plan with a record that cannot be pushed is not a plan that works.
        return not report.having("failed") and not report.damaged
    return report.complete


def _report_json(report: SyncReport) -> dict[str, Any]:
    data: dict[str, Any] = report.as_dict()
    if report.dry_run:
        for item in data.get("items", []):
            if item.get("outcome") == "failed":
                item["outcome"] = "would-fail"
    return data


def _outcome_text(item: SyncItem, dry_run: bool = False) -> str:
    text = {
        "pushed": f"pushed as version {item.remote_version}",
        "already-present": f"already on the registry as version {item.remote_version}",
        "would-push": "would be pushed",
        "failed": "would fail" if dry_run else "failed",
        "not-attempted": "not attempted",
    }[item.outcome]
    if item.note:
        text += f" ({item.note})"
    if item.error is not None:
        text += f": {item.error.message}"
    return text


def _print(report: SyncReport) -> None:
    print_damaged(report.damaged)
    _print_events(report)
    if not report.items:
        if not report.damaged and not report.events:
            print("Nothing to sync: no registrations are pending.")
        return
    print_table(
        [
            (f"{i.record.name} v{i.record.local_version}", _outcome_text(i, report.dry_run))
            for i in report.items
        ]
    )
    counts = report.counts
    if report.dry_run:
        summary = (
            f"Dry run: {counts['would-push']} would be pushed, {counts['already-present']} "
            f"already on {report.remote_uri}, {counts['failed']} would fail; nothing was changed."
        )
        print(style(summary, "bold"))
        if report.remote_error is not None:
            print(f"note: the hosted registry was not consulted: {report.remote_error.message}")
        return
    summary = (
        f"Pushed {counts['pushed']}, already present {counts['already-present']}, failed "
        f"{counts['failed'] + counts['not-attempted']} (to {report.remote_uri})."
    )
    print(style(summary, "green" if report.complete else "red"))
    failure = next((i.error for i in report.items if i.error is not None), None)
    if failure is not None:
        print(f"next: {_next_step(failure)} The failed ones stay pending.")


_EVENT_TEXT = {
    "sent": "registration event sent",
    "would-send": "registration event would be sent",
    "failed": "registration event failed",
    "not-attempted": "registration event not attempted",
}


def _print_events(report: SyncReport) -> None:
    """One line per queued registration event (they follow their records' pushes)."""
    for event in report.events:
        version = event.record.remote_version or event.record.local_version
        text = _EVENT_TEXT[event.outcome]
        if event.error is not None:
            text += f": {event.error.message}"
        print(f"{event.record.name} v{version}  {text}")
    if any(e.outcome in ("failed", "not-attempted") for e in report.events):
        print("next: run `hokusai sync` again to send the events left; nothing is pushed twice.")


def _next_step(error: HokusaiError) -> str:
    if isinstance(error, RegistryUnavailableError | RateLimitedError):
        return "Run `hokusai sync` again when the registry answers (`hokusai doctor` checks it)."
    return f"{error.hint or 'Fix the cause above.'} Then run `hokusai sync` again."
