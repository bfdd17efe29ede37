"""``hokusai sync``: push registrations made locally during an outage, each exactly once.

Exit codes: 0 every pending registration is on the hosted registry (or, with ``--dry-run``,
the plan was made); 7 some failed or were not attempted (they stay pending: run it again), or
some pending files are damaged (moved to ``pending/damaged/``) or from a newer hokusai;
1 another sync is running (or the local store failed); 2 the mode has no hosted registry;
3, 4, 5, 6 nothing could be pushed (key missing or rejected, no permission, unreachable, TLS),
with every record left pending.
"""

from __future__ import annotations

import argparse
import sys

from hokusai.cli.output import EXIT_OK, EXIT_PARTIAL, print_json, print_table, style
from hokusai.cli.status import print_damaged
from hokusai.errors import HokusaiError, RateLimitedError, RegistryUnavailableError
from hokusai.sync import SyncEvent, SyncItem, SyncReport, sync_pending

_STAGE_TEXT = {
    "checking": "checking the hosted registry",
    "downloading": "reading the local model files",
    "uploading": "uploading",
}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="push pending local registrations to the hosted registry",
        description="Push every registration made locally while the hosted registry was "
        "unreachable. Safe to interrupt and run again: nothing is registered twice.",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be pushed; change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="records pushed at once, 1-64 (default: HOKUSAI_SYNC_CONCURRENCY, else 4)",
    )
    parser.set_defaults(run=run)


def _progress(event: SyncEvent) -> None:
    # Only when there are several: one record's progress is just noise before its result.
    if event.total < 2:
        return
    record = event.record
    prefix = f"[{event.index}/{event.total}] {record.name} (local version {record.local_version})"
    if event.item is not None:
        print(f"{prefix}: {_outcome_text(event.item)}", file=sys.stderr)
    else:
        print(f"{prefix}: {_STAGE_TEXT[event.stage]}...", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from hokusai.registry import ModelRegistry

    with ModelRegistry() as registry:
        report = sync_pending(
            registry, dry_run=args.dry_run, concurrency=args.concurrency, on_progress=_progress
        )
    if args.json:
        print_json(report.as_dict())
    else:
        _print(report)
    return EXIT_OK if report.dry_run or report.complete else EXIT_PARTIAL


def _outcome_text(item: SyncItem) -> str:
    text = {
        "pushed": f"pushed as version {item.remote_version}",
        "already-present": f"already on the registry as version {item.remote_version}",
        "would-push": "would be pushed",
        "failed": "failed",
        "not-attempted": "not attempted",
    }[item.outcome]
    if item.note:
        text += f" ({item.note})"
    if item.error is not None:
        text += f": {item.error.message}"
    return text


def _print(report: SyncReport) -> None:
    print_damaged(report.damaged)
    if not report.items:
        if not report.damaged:
            print("Nothing to sync: no registrations are pending.")
        return
    print_table(
        [(f"{i.record.name} v{i.record.local_version}", _outcome_text(i)) for i in report.items]
    )
    counts = report.counts
    if report.dry_run:
        summary = (
            f"Dry run: {counts['would-push']} would be pushed, {counts['already-present']} "
            f"already on {report.remote_uri}; nothing was changed."
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


def _next_step(error: HokusaiError) -> str:
    if isinstance(error, RegistryUnavailableError | RateLimitedError):
        return "Run `hokusai sync` again when the registry answers (`hokusai doctor` checks it)."
    return f"{error.hint or 'Fix the cause above.'} Then run `hokusai sync` again."
