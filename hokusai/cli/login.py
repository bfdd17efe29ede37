"""``hokusai login``, ``logout`` and ``whoami``: keep the API key out of shell history and env.

``login`` reads the key without echo from the terminal, or from standard input when it is not a
terminal (``echo $KEY | hokusai login``) or with ``--stdin``, checks it against the registry,
and stores it in the OS keyring when one works, else in ``$HOKUSAI_HOME/credentials`` (mode
0600), under the profile ``--profile`` / ``HOKUSAI_PROFILE`` names (``default`` otherwise).
The key is never printed: only ``hk_live_…abcd``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hokusai.cli.output import EXIT_OK, exit_code_for, print_json, print_table, report_error, style
from hokusai.cli.parsing import Subparsers, add_command
from hokusai.cli.wiring import arguments
from hokusai.config import credential_store
from hokusai.config.credentials import ApiKey
from hokusai.config.keys import ENV_KEYS, resolve_profile
from hokusai.config.resolution import registry_config
from hokusai.config.tracking import TrackingConfig, resolve_home
from hokusai.doctor import error_dict
from hokusai.errors import ConfigurationError

if TYPE_CHECKING:
    from hokusai.doctor import Check

_LOGIN_EXIT_CODES = (
    "  2  the key is malformed, or there is no terminal and nothing on standard input\n"
    "  3  the registry rejects the key (401)\n"
    "  4  the key may not use the registry (403)\n"
    "  5  the registry is unreachable (--no-verify stores the key anyway)\n"
    "  6  the TLS handshake failed"
)
_WHOAMI_EXIT_CODES = (
    "  2  the configuration is invalid\n"
    "  3  no key, or the registry rejects it (401)\n"
    "  4  the key may not use the registry (403)\n"
    "  5  the registry is unreachable\n"
    "  6  the TLS handshake failed"
)


def add_parser(subparsers: Subparsers) -> None:
    login = add_command(
        subparsers,
        "login",
        summary="store an API key (OS keyring, else a 0600 file)",
        description="Read the API key without echoing it (from the terminal, or from standard "
        "input when it is piped in), check it against the registry, and store it for later "
        "commands and ModelRegistry(): in the OS keyring when one works, else in "
        "$HOKUSAI_HOME/credentials (mode 0600). `--profile NAME` keeps several keys apart.",
        exit_codes=_LOGIN_EXIT_CODES,
        page="keys-and-profiles.md",
    )
    login.add_argument(
        "--stdin", action="store_true", help="read the key from standard input, never prompt"
    )
    login.add_argument("--no-verify", action="store_true", help="store it without checking")
    login.add_argument(
        "--no-keyring", action="store_true", help="use the credentials file even if a keyring works"
    )
    login.set_defaults(run=run_login)

    logout = add_command(
        subparsers,
        "logout",
        summary="remove the stored API key of this HOKUSAI_HOME and profile",
        description="Remove the key `hokusai login` stored for this HOKUSAI_HOME and profile, "
        "from the OS keyring and from $HOKUSAI_HOME/credentials. Keys of other homes and other "
        "profiles stay. A key in HOKUSAI_API_KEY is not touched (unset it yourself).",
        exit_codes="  1  the credentials file could not be removed",
        page="keys-and-profiles.md",
    )
    logout.set_defaults(run=run_logout)

    whoami = add_command(
        subparsers,
        "whoami",
        summary="which key is used, from where, and whether the registry accepts it",
        description="Show the key a ModelRegistry() would use (masked), where it comes from "
        "and which profile, and ask the registry whether it accepts it (not with --offline).",
        exit_codes=_WHOAMI_EXIT_CODES,
        page="keys-and-profiles.md",
    )
    whoami.add_argument("--offline", action="store_true", help="do not ask the registry")
    whoami.set_defaults(run=run_whoami)


def _config(args: argparse.Namespace, api_key: ApiKey | None = None) -> TrackingConfig:
    # What ModelRegistry() resolves (the same sources, the same stored-key lookup), without
    # building one: --offline needs neither its backends nor dependency-injector's imports.
    given = arguments(args)
    return registry_config(given if api_key is None else {**given, "api_key": api_key})


def _environment_note() -> None:
    shadowing = [name for name in ENV_KEYS if os.environ.get(name, "").strip()]
    if shadowing:
        print(
            f"note: {shadowing[0]} is set in this environment and takes precedence over the "
            "stored key; unset it to use the stored one.",
            file=sys.stderr,
        )


def _read_key(from_stdin: bool) -> ApiKey:
    """From the terminal without echo; from standard input when asked or when there is no
    terminal (getpass would warn and then read it anyway)."""
    if from_stdin or not sys.stdin.isatty():
        raw = sys.stdin.readline() if sys.stdin is not None and not sys.stdin.closed else ""
        if not raw.strip():
            raise ConfigurationError(
                "No API key on standard input, and no terminal to ask for one.",
                hint="Pipe the key in (`printf '%s' \"$HOKUSAI_KEY\" | hokusai login`), run "
                "`hokusai login` in a terminal, or set HOKUSAI_API_KEY for this process instead.",
            )
        return ApiKey(raw, source="standard input")
    return ApiKey(getpass.getpass("Hokusai API key (input hidden): "), source="the login prompt")


def _profile(args: argparse.Namespace) -> str:
    return resolve_profile(arguments(args), os.environ)


def _home() -> Path:
    return resolve_home({}, os.environ).value


def run_login(args: argparse.Namespace) -> int:
    # The connection check imports requests; whoami --offline and logout never need it.
    from hokusai.doctor import registry_read_check

    profile = _profile(args)
    key = _read_key(args.stdin)
    config = _config(args, key)
    if not args.no_verify:
        check = registry_read_check(config)
        if check.error is not None:
            code = report_error(check.error)
            print("The key was not stored (--no-verify stores it unchecked).", file=sys.stderr)
            if args.json:
                print_json({"stored": False, "error": error_dict(check.error)})
            return code
    where = credential_store.save_key(
        config.home.value, key, use_keyring=not args.no_keyring, profile=profile
    )
    if args.json:
        print_json(
            {
                "stored": True,
                "key": key.masked,
                "profile": profile,
                "where": where,
                "registry": config.remote_uri.shown,
                "verified": not args.no_verify,
            }
        )
    else:
        verified = "" if args.no_verify else f"; {config.remote_uri.shown} accepts it"
        print(style(f"Logged in: key {key.masked} stored in {where}{verified}.", "green"))
        if profile != credential_store.DEFAULT_PROFILE:
            print(f"Use it with `--profile {profile}` or HOKUSAI_PROFILE={profile}.")
    _environment_note()
    return EXIT_OK


def run_logout(args: argparse.Namespace) -> int:
    home, profile = _home(), _profile(args)
    removed = credential_store.delete_key(home, profile)
    if args.json:
        print_json({"removed_from": removed, "profile": profile, "home": str(home)})
    elif removed:
        print(f"Logged out: removed the stored key from {' and '.join(removed)}.")
    else:
        places = [str(credential_store.credentials_path(home))]
        if credential_store.keyring_available():
            places.insert(0, "the OS keyring")
        print(f"No stored key for profile {profile} to remove (looked in {' and '.join(places)}).")
    _environment_note()
    return EXIT_OK


def run_whoami(args: argparse.Namespace) -> int:
    config = _config(args)
    creds = config.credentials
    check: Check | None = None
    if creds.api_key is None or not args.offline:
        from hokusai.doctor import registry_read_check

        check = registry_read_check(config)
    accepted = None if check is None else check.verdict == "ok"
    if args.json:
        print_json(
            {
                "key": creds.masked,
                "source": creds.source,
                "profile": _profile(args),
                "registry": config.remote_uri.shown,
                "accepted": accepted,
                "latency_ms": check.latency_ms if check else None,
                "error": error_dict(check.error if check else None),
            }
        )
    else:
        print_table(
            [
                ("key", creds.masked or "(none)"),
                ("from", creds.source or "-"),
                ("profile", _profile(args)),
                ("registry", config.remote_uri.shown),
                ("accepted", _accepted_text(check)),
            ]
        )
        if check is not None and check.next_step and check.verdict != "ok":
            print(f"next: {check.next_step}")
    if check is None or check.error is None:
        return EXIT_OK
    return exit_code_for(check.error)


def _accepted_text(check: Check | None) -> str:
    if check is None:
        return "not checked (--offline)"
    if check.verdict == "ok":
        return style(f"yes ({check.latency_ms} ms)", "green")
    return style(f"no: {check.detail}", "red")
