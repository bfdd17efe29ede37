"""``hokusai login``, ``logout`` and ``whoami``: keep the API key out of shell history and env.

``login`` reads the key without echo (or from standard input with ``--stdin``), checks it
against the registry, and stores it in the OS keyring when one works, else in
``$HOKUSAI_HOME/credentials`` (mode 0600). The key is never printed: only ``hk_live_…abcd``.

Exit codes: ``login`` 0 saved; 2 malformed key; 3 rejected (401); 4 no registry access (403);
5 registry unreachable (use ``--no-verify`` to save anyway). ``whoami`` 0 the registry accepts
the key; 3 no key or rejected; 4, 5, 6 as ``doctor``. ``logout`` 0.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from hokusai import credential_store
from hokusai.cli.output import EXIT_OK, exit_code_for, print_json, print_table, report_error, style
from hokusai.config.tracking import TrackingConfig, resolve_home
from hokusai.credentials import ApiKey
from hokusai.doctor import Check, error_dict, registry_read_check

_ENV_KEYS = ("HOKUSAI_API_KEY", "MLFLOW_TRACKING_TOKEN")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = subparsers.add_parser(
        "login",
        help="store an API key (OS keyring, else a 0600 file)",
        description="Read the API key without echoing it, check it against the registry, and "
        "store it for later commands and ModelRegistry().",
    )
    login.add_argument("--stdin", action="store_true", help="read the key from standard input")
    login.add_argument("--no-verify", action="store_true", help="store it without checking")
    login.add_argument(
        "--no-keyring", action="store_true", help="use the credentials file even if a keyring works"
    )
    login.set_defaults(run=run_login)

    logout = subparsers.add_parser("logout", help="remove the stored API key everywhere")
    logout.set_defaults(run=run_logout)

    whoami = subparsers.add_parser(
        "whoami", help="which key is used, from where, and whether the registry accepts it"
    )
    whoami.add_argument("--json", action="store_true", help="print the answer as JSON")
    whoami.add_argument("--offline", action="store_true", help="do not ask the registry")
    whoami.set_defaults(run=run_whoami)


def _config(api_key: ApiKey | None = None) -> TrackingConfig:
    # The same wiring as ModelRegistry(): the same sources, the same stored-key lookup.
    from hokusai.container import Container

    container = Container()
    if api_key is not None:
        container.arguments.override({"api_key": api_key})
    config: TrackingConfig = container.tracking_config()
    return config


def _environment_note() -> None:
    shadowing = [name for name in _ENV_KEYS if os.environ.get(name, "").strip()]
    if shadowing:
        print(
            f"note: {shadowing[0]} is set in this environment and takes precedence over the "
            "stored key; unset it to use the stored one.",
            file=sys.stderr,
        )


def run_login(args: argparse.Namespace) -> int:
    if args.stdin:
        raw, source = sys.stdin.readline(), "standard input"
    else:
        raw, source = getpass.getpass("Hokusai API key (input hidden): "), "the login prompt"
    key = ApiKey(raw, source=source)
    config = _config(key)
    if not args.no_verify:
        check = registry_read_check(config)
        if check.error is not None:
            code = report_error(check.error)
            print("The key was not stored (--no-verify stores it unchecked).", file=sys.stderr)
            return code
    where = credential_store.save_key(config.home.value, key, use_keyring=not args.no_keyring)
    verified = "" if args.no_verify else f"; {config.remote_uri.value} accepts it"
    print(style(f"Logged in: key {key.masked} stored in {where}{verified}.", "green"))
    _environment_note()
    return EXIT_OK


def run_logout(_args: argparse.Namespace) -> int:
    home = resolve_home({}, os.environ).value
    removed = credential_store.delete_key(home)
    if removed:
        print(f"Logged out: removed the stored key from {' and '.join(removed)}.")
    else:
        places = [str(credential_store.credentials_path(home))]
        if credential_store.keyring_available():
            places.insert(0, "the OS keyring")
        print(f"No stored key to remove (looked in {' and '.join(places)}).")
    _environment_note()
    return EXIT_OK


def run_whoami(args: argparse.Namespace) -> int:
    config = _config()
    creds = config.credentials
    check: Check | None = None
    if creds.api_key is None or not args.offline:
        check = registry_read_check(config)
    accepted = None if check is None else check.verdict == "ok"
    if args.json:
        print_json(
            {
                "key": creds.masked,
                "source": creds.source,
                "registry": config.remote_uri.value,
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
                ("registry", config.remote_uri.value),
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
