"""``hokusai doctor``: would a registration reach the hosted registry? If not, what to do next.

Exit codes: 0 a registration would reach the hosted registry; 2 the configuration stops it;
3 no key, or the key is rejected (401); 4 the key may not use the registry or may not write
(403); 5 the registry cannot be reached or fails (DNS, TCP, timeout, 5xx, 429); 6 the TLS
handshake fails; 8 the mode keeps registrations off the hosted registry (local, mock).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from hokusai.cli.output import (
    EXIT_NOT_REMOTE,
    EXIT_OK,
    exit_code_for,
    print_json,
    print_table,
    style,
)
from hokusai.cli.parsing import Subparsers, add_command

if TYPE_CHECKING:
    from hokusai.doctor import Check, DoctorReport, Network


def _sockets() -> Network:
    # Imported when doctor runs: the checks import requests, which other commands' start
    # (every command module is loaded to build the parser) should not pay for.
    from hokusai.doctor import SocketNetwork

    return SocketNetwork()


# Tests replace this: the fake registry has no real host to resolve or connect to.
network_factory: Callable[[], Network] = _sockets

_MARKS = {
    "ok": ("ok", "green"),
    "warn": ("warn", "yellow"),
    "fail": ("FAIL", "red"),
    "skip": ("skip", "dim"),
}


_EXIT_CODES = (
    "  2  the configuration stops a registration\n"
    "  3  no key, or the key is rejected (401)\n"
    "  4  the key may not use the registry or may not write (403)\n"
    "  5  the registry cannot be reached or fails (DNS, TCP, timeout, 5xx, 429)\n"
    "  6  the TLS handshake fails\n"
    "  8  nothing is wrong, but the mode (local, mock) keeps registrations on this machine"
)


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "doctor",
        summary="check the configuration, the connection and the key",
        description="Show every setting and where it comes from, warn about settings that "
        "conflict, and check DNS, TCP, TLS, the registry's health and the key (a read, and a "
        "write that changes nothing). Exit code 0 only when a registration would reach the "
        "hosted registry.",
        exit_codes=_EXIT_CODES,
        page="troubleshooting.md",
    )
    parser.add_argument(
        "--no-write-check",
        action="store_true",
        help="skip the write check (a tag deletion on a model that does not exist)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hokusai.doctor import diagnose

    report = diagnose(network=network_factory(), write_check=not args.no_write_check)
    if args.json:
        print_json({**report.as_dict(), "exit_code": exit_code(report)})
    else:
        _print(report)
    return exit_code(report)


def _by_choice(report: DoctorReport) -> bool:
    """Mode local or mock: registrations stay on this machine because the user said so."""
    return report.mode is not None and not report.uses_remote


def exit_code(report: DoctorReport) -> int:
    if report.reaches_remote:
        return EXIT_OK
    if _by_choice(report):
        return EXIT_NOT_REMOTE
    blocker = report.blocker
    if blocker is not None and blocker.error is not None:
        return exit_code_for(blocker.error)
    return EXIT_NOT_REMOTE


def _line(check: Check) -> tuple[str, str]:
    label, colour = _MARKS[check.verdict]
    # Padded before colouring so that escape codes never shift the columns.
    latency = f"{check.latency_ms:7.1f} ms" if check.latency_ms is not None else " " * 10
    return check.name, f"{style(label.ljust(4), colour)} {latency}  {check.detail}"


def _print(report: DoctorReport) -> None:
    print(style("Configuration", "bold"))
    print_table([(name, f"{value}  [{source}]") for name, value, source in report.settings])
    if report.conflicts:
        print(style("\nConflicting settings", "bold"))
        print_table([_line(c) for c in report.conflicts])
    print(style("\nChecks", "bold"))
    print_table([_line(c) for c in report.checks])
    if not any(c.name == "registry write" and c.verdict in ("ok", "fail") for c in report.checks):
        from hokusai.doctor import WRITE_SCOPE_LATER

        print(WRITE_SCOPE_LATER)
    print()
    if report.reaches_remote:
        print(style(f"OK: a registration would reach {report.remote_uri}.", "green"))
    elif _by_choice(report):
        where = "in memory" if report.mode == "mock" else "in the local store"
        print(f"Mode {report.mode}: registrations stay {where} on this machine, as configured.")
        print("next: to use the hosted registry, set HOKUSAI_MLFLOW_MODE=auto (or unset it).")
        return
    else:
        blocker = report.blocker
        why = blocker.detail if blocker is not None else "see above"
        print(style(f"A registration would NOT reach the hosted registry: {why}", "red"))
    print(f"next: {report.next_step}")
