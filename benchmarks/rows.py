"""Each row of the table: what is run on each side, how often, and what decides PASS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import http_requests
from benchmarks.servers import RequestWindow, lineage_tags, real_server, seed_versions
from benchmarks.sides import Warm, cold, command_seconds, side_env
from benchmarks.table import Check, Goal, Kind, Row, Sample, interleave
from fixtures.real_server import RealServer, RequestRecord


@dataclass
class Settings:
    """How much work each row does; ``--quick`` takes the small values."""

    workdir: Path
    runs: int  # interleaved runs per side for the timed rows
    cold_runs: int
    model_mb: int
    big_runs: int
    threads_per_key_runs: int
    raw_cap: float  # raw MLflow's defaults wait minutes on a dead server: stop it here
    lookup_versions: int = 20_000
    small_versions: int = 10

    @property
    def bin(self) -> Path:
        return Path(sys.executable).parent


@dataclass
class Context:
    settings: Settings
    server: RealServer
    window: RequestWindow
    alice: str
    bob: str

    def home(self, name: str) -> Path:
        return self.settings.workdir / "homes" / name


def _samples(results: dict[str, list[float]]) -> tuple[Sample, Sample]:
    return Sample(tuple(results["sdk"])), Sample(tuple(results["raw"]))


# -- register an sklearn model, warm process -------------------------------------------------


def warm_register(ctx: Context) -> Row:
    uri = ctx.server.tracking_uri
    sdk_env = side_env(ctx.home("warm-sdk"))
    raw_env = side_env(ctx.home("warm-raw"), {"MLFLOW_TRACKING_TOKEN": ctx.alice})
    times: dict[str, list[float]] = {"sdk": [], "raw": []}
    counts: dict[str, list[int]] = {"sdk": [], "raw": []}
    last_sdk: list[RequestRecord] = []
    with Warm("sdk", sdk_env) as sdk, Warm("raw", raw_env) as raw:
        workers = {"sdk": sdk, "raw": raw}
        args = {"sdk": {"key": ctx.alice}, "raw": {}}
        for side in ("sdk", "raw"):  # warm-up: imports, the experiment, the registered model
            workers[side].ask("register_sklearn", uri=uri, name=f"bench-warm-{side}", **args[side])
        for side in interleave(ctx.settings.runs, "sdk", "raw"):
            ctx.window.mark()
            answer = workers[side].ask(
                "register_sklearn", uri=uri, name=f"bench-warm-{side}", **args[side]
            )
            records = ctx.window.since()
            times[side].append(answer["seconds"])
            counts[side].append(len(records))
            if side == "sdk":
                last_sdk = records
    sdk_sample, raw_sample = _samples(times)
    explained = http_requests.explain_all((r.method, r.path) for r in last_sdk)
    unexplained = [e for e in explained if not e.explained]
    row = Row(
        "register sklearn model (warm)",
        Goal("ratio <= 0.5; every request explained", Kind.RATIO_AT_MOST, 0.5),
        sdk_sample,
        raw_sample,
        "raw log_model+register, pinned reqs",
        checks=[
            Check(
                f"every HTTP request of one registration explained "
                f"({len(unexplained)} unexplained of {len(explained)})",
                not unexplained,
            )
        ],
        notes=[
            f"HTTP requests per registration: SDK {_spread(counts['sdk'])}, "
            f"raw {_spread(counts['raw'])}",
            "one SDK registration's requests:",
            *(f"    {line}" for line in http_requests.listing(explained)),
        ],
    )
    return row


def _cpu_note(cpu: dict[str, list[float]]) -> str:
    """CPU seconds: less inflated than wall time when other work shares the cores."""
    sdk, raw = (Sample(tuple(cpu[side])) for side in ("sdk", "raw"))
    return f"CPU time (user+sys): SDK {sdk.shown()}, raw {raw.shown()}"


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


# -- cold process ---------------------------------------------------------------------------


def cold_register(ctx: Context) -> Row:
    uri = ctx.server.tracking_uri
    envs = {
        "sdk": side_env(ctx.home("cold-sdk")),
        "raw": side_env(ctx.home("cold-raw"), {"MLFLOW_TRACKING_TOKEN": ctx.alice}),
    }
    args = {"sdk": {"key": ctx.alice}, "raw": {}}
    for side in ("sdk", "raw"):  # first-time costs (experiment, .pyc files) out of the sample
        cold(side, envs[side], "register_sklearn", uri=uri, name=f"bench-cold-{side}", **args[side])
    times: dict[str, list[float]] = {"sdk": [], "raw": []}
    cpu: dict[str, list[float]] = {"sdk": [], "raw": []}
    for side in interleave(ctx.settings.cold_runs, "sdk", "raw"):
        answer = cold(
            side, envs[side], "register_sklearn", uri=uri, name=f"bench-cold-{side}", **args[side]
        )
        times[side].append(answer["wall"])
        cpu[side].append(answer["cpu"])
    sdk_sample, raw_sample = _samples(times)
    return Row(
        "cold process: import, construct, register",
        Goal("ratio <= 0.6", Kind.RATIO_AT_MOST, 0.6),
        sdk_sample,
        raw_sample,
        "raw, same in a fresh process",
        notes=["whole process wall time, interpreter start to exit", _cpu_note(cpu)],
    )


# -- a big model: register, then load_model ---------------------------------------------------


def big_model(ctx: Context) -> list[Row]:
    from benchmarks.blob_model import save_blob_model

    settings = ctx.settings
    uri = ctx.server.tracking_uri
    envs = {
        "sdk": side_env(ctx.home("big-sdk")),
        "raw": side_env(ctx.home("big-raw"), {"MLFLOW_TRACKING_TOKEN": ctx.alice}),
    }
    args = {"sdk": {"key": ctx.alice}, "raw": {}}
    small_mb = 8
    big_dir = save_blob_model(settings.workdir / "blob-big", settings.model_mb)
    small_dir = save_blob_model(settings.workdir / "blob-small", small_mb)

    def register_and_load(
        side: str, path: Path, name: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        registered = cold(
            side, envs[side], "register_dir", uri=uri, name=name, path=str(path), **args[side]
        )
        loaded = cold(
            side,
            envs[side],
            "load",
            uri=uri,
            name=name,
            version=registered["version"],
            **args[side],
        )
        return registered, loaded

    up: dict[str, list[float]] = {"sdk": [], "raw": []}
    down: dict[str, list[float]] = {"sdk": [], "raw": []}
    up_cpu: dict[str, list[float]] = {"sdk": [], "raw": []}
    down_cpu: dict[str, list[float]] = {"sdk": [], "raw": []}
    peaks: dict[str, list[float]] = {"sdk": [], "raw": []}
    for side in interleave(settings.big_runs, "sdk", "raw"):
        # The gigabyte the last run wrote (and the model written above) goes to disk now, not
        # during this run's transfer.
        os.sync()
        registered, loaded = register_and_load(side, big_dir, f"bench-big-{side}")
        up[side].append(registered["seconds"])
        down[side].append(loaded["seconds"])
        up_cpu[side].append(registered["job_cpu"])
        down_cpu[side].append(loaded["job_cpu"])
        peaks[side].append(max(registered["peak_rss_mb"], loaded["peak_rss_mb"]))
    small_peaks: dict[str, float] = {}
    for side in ("sdk", "raw"):
        registered, loaded = register_and_load(side, small_dir, f"bench-small-{side}")
        small_peaks[side] = max(registered["peak_rss_mb"], loaded["peak_rss_mb"])
    growth = {side: max(peaks[side]) - small_peaks[side] for side in ("sdk", "raw")}
    # "Independent of model size": the model grew by (model_mb - 8) MB; the client may not.
    allowed = 64.0
    memory = Check(
        f"SDK client peak RSS {max(peaks['sdk']):.0f} MB at {settings.model_mb} MB vs "
        f"{small_peaks['sdk']:.0f} MB at {small_mb} MB (grows {growth['sdk']:.0f} MB; "
        f"allowed {allowed:.0f}); raw grows {growth['raw']:.0f} MB",
        growth["sdk"] <= allowed,
    )
    size = f"{settings.model_mb} MB"
    throughput_goal = Goal("throughput >= 0.95x; flat memory", Kind.THROUGHPUT_AT_LEAST, 0.95)
    mb = settings.model_mb

    def rate(sample: Sample) -> str:
        return f"{mb / sample.median:.0f} MB/s"

    rows = []
    for what, times, cpu, how in (
        ("register", up, up_cpu, "raw log_artifacts+register_model"),
        ("load_model", down, down_cpu, "raw pyfunc.load_model(models:/)"),
    ):
        sdk_sample, raw_sample = _samples(times)
        rows.append(
            Row(
                f"{size} model: {what}",
                throughput_goal,
                sdk_sample,
                raw_sample,
                how,
                checks=[memory],
                notes=[
                    f"SDK {rate(sdk_sample)}, raw {rate(raw_sample)} (medians)",
                    f"the client's own {_cpu_note(cpu)}",
                ],
            )
        )
    return rows


# -- local mode ------------------------------------------------------------------------------


def local_register(ctx: Context) -> Row:
    times: dict[str, list[float]] = {"sdk": [], "raw": []}
    with (
        Warm("sdk", side_env(ctx.home("local-sdk"))) as sdk,
        Warm("raw", side_env(ctx.home("local-raw"))) as raw,
    ):
        workers = {"sdk": sdk, "raw": raw}
        for side in ("sdk", "raw"):  # the first one creates the sqlite schema
            workers[side].ask("register_local", name="bench-local")
        for side in interleave(ctx.settings.runs, "sdk", "raw"):
            times[side].append(workers[side].ask("register_local", name="bench-local")["seconds"])
    sdk_sample, raw_sample = _samples(times)
    return Row(
        "local mode registration (warm)",
        Goal("ratio <= 1.0", Kind.RATIO_AT_MOST, 1.0),
        sdk_sample,
        raw_sample,
        "raw on local sqlite, pinned reqs",
    )


# -- fallback decisions ----------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port whose handshakes the kernel completes and nobody ever answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


RAW_FIRST_CALL = """
import sys, threading, time
import mlflow
client = mlflow.MlflowClient(sys.argv[1])
started = time.perf_counter()
def call():
    try:
        client.search_experiments(max_results=1)
    except Exception:
        pass
worker = threading.Thread(target=call, daemon=True)
worker.start()
worker.join(float(sys.argv[2]))
print(time.perf_counter() - started, worker.is_alive())
"""


def raw_until_cap(ctx: Context, uri: str) -> Sample:
    """Raw MLflow's first call against ``uri`` with its default retries and timeouts, cut at
    the cap (it would go on for minutes); a cut run counts as "at least the cap"."""
    env = side_env(ctx.home("fallback-raw"), {"MLFLOW_TRACKING_TOKEN": ctx.alice})
    cap = ctx.settings.raw_cap
    done = subprocess.run(
        [sys.executable, "-c", RAW_FIRST_CALL, uri, str(cap)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, still_waiting = done.stdout.split()
    return Sample((float(seconds),), at_least=still_waiting == "True")


def fallback(ctx: Context) -> list[Row]:
    import warnings

    from hokusai import ModelRegistry

    warnings.simplefilter("ignore")
    runs = max(ctx.settings.runs, 3)
    home = ctx.home("fallback-sdk")
    home.mkdir(parents=True, exist_ok=True)

    def decide(uri: str) -> tuple[float, Any]:
        registry = ModelRegistry(uri, api_key=ctx.alice, mode="auto", home=home)
        started = time.perf_counter()
        status = registry.status(probe=True)
        return time.perf_counter() - started, status

    rows = []
    refused = f"http://127.0.0.1:{closed_port()}/api/mlflow"
    decide(refused)  # first-call costs (requests' imports) out of the sample
    closed = [decide(refused)[0] for _ in range(runs)]
    rows.append(
        Row(
            "fallback decision: port closed",
            Goal("<= 0.05 s", Kind.SECONDS_AT_MOST, 0.05),
            Sample(tuple(closed)),
            raw_until_cap(ctx, refused),
            "raw first call, MLflow defaults",
            notes=["raw MLflow retries a refused connection with backoff before giving up"],
        )
    )
    with black_hole() as port:
        silent_uri = f"http://127.0.0.1:{port}/api/mlflow"
        budget = ModelRegistry(silent_uri, api_key=ctx.alice, home=home).config.probe_timeout.value
        silent_runs = min(runs, 3)  # each costs the whole budget
        silent: list[float] = []
        cached: list[float] = []
        for _ in range(silent_runs):
            seconds, _status = decide(silent_uri)
            silent.append(seconds)
        registry = ModelRegistry(silent_uri, api_key=ctx.alice, mode="auto", home=home)
        registry.status(probe=True)  # opens the breaker
        for _ in range(runs * 10):
            started = time.perf_counter()
            registry.status(probe=True)
            cached.append(time.perf_counter() - started)
        raw_silent = raw_until_cap(ctx, silent_uri)
    rows.append(
        Row(
            "fallback decision: server silent",
            Goal(f"<= probe budget ({budget:g} s) + 0.1 s", Kind.SECONDS_AT_MOST, budget + 0.1),
            Sample(tuple(silent)),
            raw_silent,
            "raw first call, MLflow defaults",
        )
    )
    rows.append(
        Row(
            "fallback decision: breaker already open",
            Goal("<= 1 ms", Kind.SECONDS_AT_MOST, 0.001),
            Sample(tuple(cached)),
            None,
            "nothing in raw MLflow (no breaker)",
            notes=[
                "the time to decide, status(probe=True) answered from the open breaker; the "
                "registration itself is then the local row's"
            ],
        )
    )
    return rows


# -- 8 threads, 2 keys ------------------------------------------------------------------------


def threads(ctx: Context) -> Row:
    uri = ctx.server.tracking_uri
    experiments = ["bench-key-alice", "bench-key-bob"]
    job = {"uri": uri, "threads": 8, "per_thread": 1}
    times: dict[str, list[float]] = {"sdk": [], "raw": []}
    records: list[RequestRecord] = []
    with (
        Warm("sdk", side_env(ctx.home("threads-sdk"))) as sdk,
        Warm("raw", side_env(ctx.home("threads-raw"), {"MLFLOW_TRACKING_TOKEN": ctx.alice})) as raw,
    ):
        workers = {"sdk": sdk, "raw": raw}
        sdk_args = {"keys": [ctx.alice, ctx.bob], "experiments": experiments}
        args: dict[str, dict[str, Any]] = {"sdk": sdk_args, "raw": {}}
        for side in ("sdk", "raw"):
            workers[side].ask("threads", prefix="bench-thr-warm", **job, **args[side])
        for n, side in enumerate(interleave(ctx.settings.threads_per_key_runs, "sdk", "raw")):
            ctx.window.mark()
            answer = workers[side].ask("threads", prefix=f"bench-thr-{n}", **job, **args[side])
            times[side].append(answer["seconds"])
            if side == "sdk":
                records.extend(ctx.window.since())
    experiment_ids = {
        user: _experiment_id(ctx.server, name)
        for user, name in zip(("alice", "bob"), experiments, strict=True)
    }
    crossed, keyless, per_user = cross_key(records, experiment_ids)
    sdk_sample, raw_sample = _samples(times)
    return Row(
        "8 threads, 2 keys: 8 registrations",
        Goal("throughput >= 0.95x; no cross-key", Kind.THROUGHPUT_AT_LEAST, 0.95),
        sdk_sample,
        raw_sample,
        "raw, 8 threads, one key",
        checks=[
            Check(
                f"cross-key uploads {crossed}, keyless requests {keyless} "
                f"(requests per key: {per_user})",
                crossed == 0 and keyless == 0 and len(per_user) == 2,
            )
        ],
        notes=[
            "each key's registrations go to their own experiment, whose id is in every "
            "upload's path: the proxy log shows whose key each upload carried",
            "raw MLflow takes one key per process (MLFLOW_TRACKING_TOKEN), so its threads "
            "share one",
        ],
    )


def _experiment_id(server: RealServer, name: str) -> str:
    import requests

    answer = requests.get(
        server.mlflow_url + "/api/2.0/mlflow/experiments/get-by-name",
        params={"experiment_name": name},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["experiment"]["experiment_id"])


def cross_key(
    records: list[RequestRecord], experiment_ids: dict[str, str]
) -> tuple[int, int, dict[str, int]]:
    """(uploads into one key's experiment carrying another key, requests with no key,
    requests per user)."""
    crossed = keyless = 0
    per_user: dict[str, int] = {}
    for record in records:
        if record.user is None:
            keyless += 1
            continue
        per_user[record.user] = per_user.get(record.user, 0) + 1
        for owner, experiment in experiment_ids.items():
            if f"/artifacts/{experiment}/" in record.path and record.user != owner:
                crossed += 1
    return crossed, keyless, per_user


# -- CLI ----------------------------------------------------------------------------------------

MLFLOW_CHECK = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('MLFLOW_IMPORTED=%s' % ('mlflow' in sys.modules),"
    " file=sys.stderr))\n"
    "from hokusai.cli.main import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def cli(ctx: Context) -> list[Row]:
    env = side_env(
        ctx.home("cli"),
        {"HOKUSAI_API_KEY": ctx.alice, "HOKUSAI_MLFLOW_URI": ctx.server.tracking_uri},
    )
    hokusai = str(ctx.settings.bin / "hokusai")
    mlflow = [str(ctx.settings.bin / "mlflow"), "--version"]
    rows = []
    for args in (["--help"], ["whoami", "--offline"], ["status", "--no-probe"]):
        command_seconds([hokusai, *args], env)  # .pyc files written, page cache warm
        times: dict[str, list[float]] = {"sdk": [], "raw": []}
        cpu: dict[str, list[float]] = {"sdk": [], "raw": []}
        for side in interleave(ctx.settings.cold_runs, "sdk", "raw"):
            wall, used = command_seconds([hokusai, *args] if side == "sdk" else mlflow, env)
            times[side].append(wall)
            cpu[side].append(used)
        check = subprocess.run(
            [sys.executable, "-c", MLFLOW_CHECK, *args], env=env, capture_output=True, text=True
        )
        imported = "MLFLOW_IMPORTED=True" in check.stderr
        sdk_sample, raw_sample = _samples(times)
        rows.append(
            Row(
                f"hokusai {' '.join(args)} (cold)",
                Goal("<= 0.5 s; no MLflow import", Kind.SECONDS_AT_MOST, 0.5),
                sdk_sample,
                raw_sample,
                "mlflow --version",
                checks=[
                    Check(f"MLflow {'imported' if imported else 'not imported'}", not imported)
                ],
                notes=[_cpu_note(cpu)],
            )
        )
    return rows


# -- lookups in a big registry ----------------------------------------------------------------


LOOKUPS = (
    ("by_id", "lookup by model id"),
    ("lineage", "lineage, depth 20"),
    ("latest", "latest by type"),
)


def lookups(ctx: Context) -> list[Row]:
    depth = 20
    sizes = {"small": ctx.settings.small_versions, "big": ctx.settings.lookup_versions}
    found: dict[str, dict[str, list[float]]] = {
        what: {"small": [], "big": []} for what, _ in LOOKUPS
    }
    requests: dict[str, dict[str, int]] = {what: {} for what, _ in LOOKUPS}
    with (
        real_server(ctx.settings.workdir / "lookup-small") as small,
        real_server(ctx.settings.workdir / "lookup-big") as big,
    ):
        servers = {"small": small, "big": big}
        for size, server in servers.items():
            database = server.workdir / "mlflow.db"
            seed_versions(database, "bench-chain", depth + 1, lineage_tags("bench-chain", depth))
            seed_versions(database, "bench-bulk", sizes[size])
        tip = f"bench-chain-{depth + 1}"
        with Warm("sdk", side_env(ctx.home("lookups"))) as sdk:
            for size in ("small", "big"):  # warm-up
                sdk.ask(
                    "lookups",
                    uri=servers[size].tracking_uri,
                    key=ctx.alice,
                    model_id=tip,
                    model_type="bench-bulk",
                )
            for size in interleave(ctx.settings.runs, "small", "big"):
                for what, _label in LOOKUPS:
                    window = RequestWindow(servers[size])
                    window.mark()
                    answer = sdk.ask(
                        "lookups",
                        uri=servers[size].tracking_uri,
                        key=ctx.alice,
                        model_id=tip,
                        model_type="bench-bulk",
                        only=what,
                    )
                    found[what][size].append(answer[what])
                    requests[what][size] = len(window.since())
    rows = []
    total = {size: n + depth + 1 for size, n in sizes.items()}
    for what, label in LOOKUPS:
        big_sample = Sample(tuple(found[what]["big"]))
        small_sample = Sample(tuple(found[what]["small"]))
        counts = requests[what]
        rows.append(
            Row(
                f"{label}: {total['big']:,} vs {total['small']} versions",
                Goal("same requests; time <= 2x", Kind.RATIO_AT_MOST, 2.0),
                big_sample,
                small_sample,
                f"same, {total['small']} versions",
                checks=[
                    Check(
                        f"HTTP requests: {counts['big']} in the big registry, "
                        f"{counts['small']} in the small one",
                        counts["big"] == counts["small"],
                    )
                ],
            )
        )
    return rows


ROWS: dict[str, Callable[[Context], Row | list[Row]]] = {
    "register": warm_register,
    "cold": cold_register,
    "big": big_model,
    "local": local_register,
    "fallback": fallback,
    "threads": threads,
    "cli": cli,
    "lookups": lookups,
}
