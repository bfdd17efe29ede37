"""Run the rows against one real server stack and print the table.

``python -m benchmarks [--quick] [--model-mb N] [--only ROW ...]``; ``nox -s bench`` runs it
with the server's own venv (full ``mlflow``) in ``REAL_SERVER_MLFLOW_PYTHON``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path

from benchmarks.rows import ROWS, Context, Settings
from benchmarks.servers import RequestWindow, real_server
from benchmarks.table import Failed, Goal, Kind, Row, render


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="fewer runs and a smaller model (about 4 min)"
    )
    parser.add_argument(
        "--model-mb",
        type=int,
        help="size of the big model in MB (default 256; 32 with --quick; the full row is 1024)",
    )
    parser.add_argument("--only", nargs="+", choices=sorted(ROWS), help="run only these rows")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    return parser.parse_args(argv)


def settings_for(args: argparse.Namespace, workdir: Path) -> Settings:
    if args.quick:
        settings = Settings(
            workdir,
            runs=3,
            cold_runs=3,
            model_mb=32,
            big_runs=1,
            threads_per_key_runs=1,
            raw_cap=5.0,
        )
    else:
        settings = Settings(
            workdir,
            runs=5,
            cold_runs=3,
            model_mb=256,
            big_runs=2,
            threads_per_key_runs=2,
            raw_cap=10.0,
        )
    if args.model_mb:
        settings.model_mb = args.model_mb
    return settings


def machine() -> str:
    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # The table only: MLflow's warnings and INFO lines (in this process) would bury it.
    warnings.simplefilter("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    started = time.monotonic()
    chosen = args.only or list(ROWS)
    workdir = Path(tempfile.mkdtemp(prefix="hokusai-bench-"))
    settings = settings_for(args, workdir)
    print(f"machine at start: {machine()}", flush=True)
    results: list[Row | Failed] = []
    with real_server(workdir / "server") as server:
        ctx = Context(
            settings, server, RequestWindow(server), server.key_for("alice"), server.key_for("bob")
        )
        for name in chosen:
            print(f"running {name} ...", flush=True)
            row_started = time.monotonic()
            try:
                made = ROWS[name](ctx)
                results.extend(made if isinstance(made, list) else [made])
            except Exception as exc:
                traceback.print_exc()
                results.append(
                    Failed(name, Goal("-", Kind.CHECKS_ONLY), f"{type(exc).__name__}: {exc}")
                )
            print(f"  {name}: {time.monotonic() - row_started:.0f} s", flush=True)
    print()
    print(render(results))
    print()
    print(f"machine at end: {machine()}")
    mode = "quick" if args.quick else "default"
    print(
        f"{mode} run, big model {settings.model_mb} MB, {time.monotonic() - started:.0f} s in all"
    )
    if args.keep:
        print(f"work directory kept: {workdir}")
    else:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(isinstance(r, Row) and r.passed for r in results) else 1
