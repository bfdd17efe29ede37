"""Sweep scale: many worker processes register (and sync) at once against a rate-limited registry.

Stands up the real stack of the integration tests (a real ``mlflow server`` behind the
authenticating proxy, on 127.0.0.1) with the proxy's per-key token bucket switched on, then:

1. **register**: P processes x T threads register M models (one model directory, saved once,
   registered M times under M idempotency keys). Half the processes use alice's key and her
   experiment, half bob's.
2. **sync**: the registry's MLflow is stopped, the same processes register S models each into
   their own ``HOKUSAI_HOME`` (they fall back to the local store and leave pending records),
   MLflow comes back, and each process runs ``sync_pending`` with ``concurrency=T``.

Checked (exit status 1 if not): every idempotency key is on the server exactly once (read from
MLflow directly, behind the proxy's back), and no key crossed: every artifact upload into an
experiment came with the key of the workers that own that experiment, as the proxy logged it.
Measured: total time from the start signal to the last worker's end, against what the rate
limit allows (per key: (forwarded requests - burst) / rate; the slower key), throughput, and
p50/p99 latency of one registration (or one record's push).

    python benchmarks/sweep.py                       # 16 x 4, 500 models, 500 records
    python benchmarks/sweep.py -p 4 -t 2 -m 40 -s 16 --rate 8 --burst 4   # a quick run

Needs the full ``mlflow`` (the server) importable, or REAL_SERVER_MLFLOW_PYTHON pointing at a
Python that has it. Prints figures; asserts only exactly-once and no cross-key.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")

USERS = ("alice", "bob")
TAG_KEY = "hokusai.idempotency_key"
# Generous: a worker waits out the rate limit for as long as its share of the run takes.
RETRY_DEADLINE = "3600"
READY_TIMEOUT = 600.0


# -- what one phase measured ---------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    processes: int
    threads: int
    count: int
    seconds: float
    latencies: list[float]
    failures: list[str]
    exactly_once: bool
    missing: list[str]
    duplicated: list[str]
    crossed: list[str]
    forwarded: dict[str, int]
    limited: dict[str, int]
    allowed_seconds: float
    # Runs and logged models the server created: one each per registration unless some
    # registration started over (as a 429 half-way made it before it was retried alone).
    created: dict[str, int] = field(default_factory=dict)
    # Tokens each key's bucket lost by overflowing while full during the phase: time the
    # limit allowed and no worker used.
    wasted: dict[str, float] = field(default_factory=dict)
    # What the workers waited: after their own 429s, and held back by another thread's.
    waits: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.seconds / self.allowed_seconds if self.allowed_seconds else float("nan")

    @property
    def ok(self) -> bool:
        return self.exactly_once and not self.crossed and not self.failures

    def lines(self) -> list[str]:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) if lat else float("nan")
        p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))] if lat else float("nan")
        per_user = ", ".join(
            f"{u}: {self.forwarded.get(u, 0)} forwarded, {self.limited.get(u, 0)} answered 429"
            for u in USERS
        )
        return [
            f"{self.name}: {self.count} by {self.processes} processes x {self.threads} threads",
            f"  landed exactly once by idempotency key: {'yes' if self.exactly_once else 'NO'}"
            f" (missing {len(self.missing)}, duplicated {len(self.duplicated)})",
            f"  keys crossed: {len(self.crossed)}; requests {per_user}",
            f"  created: {self.created.get('runs', 0)} runs, "
            f"{self.created.get('logged models', 0)} logged models",
            "  tokens wasted (bucket full, nobody sending): "
            + ", ".join(f"{u}: {self.wasted.get(u, 0.0):.0f}" for u in USERS)
            + f"; waits after own 429: {self.waits.get('retries', 0):.0f}"
            f" ({self.waits.get('retry_seconds', 0.0):.0f} s), held by another's 429:"
            f" {self.waits.get('held', 0):.0f} ({self.waits.get('held_seconds', 0.0):.0f} s)",
            f"  first request {self.extra.get('first_request_after', 0.0):.1f} s after the start;"
            f" total {self.seconds:.1f} s; the rate limit allows {self.allowed_seconds:.1f} s"
            f" -> {self.ratio:.2f}x (goal <= 1.2x)",
            f"  throughput {self.count / self.seconds:.2f}/s; latency p50 {p50:.2f} s,"
            f" p99 {p99:.2f} s",
            *(f"  failure: {f}" for f in self.failures[:5]),
        ]


# -- the parent ----------------------------------------------------------------------------------


def start_stack(workdir: Path, rate: float, burst: int, precise: bool = False) -> Any:
    from fixtures.real_server import RealServer

    server = RealServer(
        workdir / "stack",
        REPO_ROOT / "fixtures" / "keys.json",
        proxy_options=(
            "--rate",
            f"{rate:g}",
            "--burst",
            str(burst),
            *(["--precise-retry-after"] if precise else []),
        ),
    )
    server.start()
    return server


def save_model(workdir: Path) -> Path:
    """A small scikit-learn model as an MLflow model directory, saved once."""
    import mlflow.sklearn
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    model = LogisticRegression().fit(x, [0, 1, 1, 0])
    path = workdir / "model"
    mlflow.sklearn.save_model(
        model, str(path), pip_requirements=mlflow.sklearn.get_default_pip_requirements()
    )
    return path


def run_workers(
    role: str, server: Any, workdir: Path, processes: int, spec: dict[str, Any]
) -> tuple[float, list[dict[str, Any]]]:
    """Start ``processes`` workers, release them together once all are ready; (seconds, results)."""
    go = workdir / f"{role}.go"
    go.unlink(missing_ok=True)
    procs = []
    for index in range(processes):
        worker_spec = {
            **spec,
            "index": index,
            "user": USERS[index % 2],
            "key": server.key_for(USERS[index % 2]),
            "tracking_uri": server.tracking_uri,
            "home": str(workdir / "homes" / f"worker-{index}"),
            "ready": str(workdir / f"{role}.ready.{index}"),
            "go": str(go),
        }
        spec_path = workdir / f"{role}.spec.{index}.json"
        spec_path.write_text(json.dumps(worker_spec))
        procs.append(
            subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--worker", role, str(spec_path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            )
        )
    try:
        wait_ready(workdir, role, procs)
        started = time.monotonic()
        go.touch()
        outputs = [p.communicate() for p in procs]
        seconds = time.monotonic() - started
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    results = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        if proc.returncode != 0 or not out.strip():
            raise RuntimeError(f"a {role} worker exited {proc.returncode}:\n{err[-4000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return seconds, results


def wait_ready(workdir: Path, role: str, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        ready = sum((workdir / f"{role}.ready.{i}").exists() for i in range(len(procs)))
        if ready == len(procs):
            return
        for proc in procs:
            if proc.poll() is not None:
                _, err = proc.communicate()
                raise RuntimeError(
                    f"a {role} worker exited {proc.returncode} early:\n{err[-4000:]}"
                )
        if time.monotonic() > deadline:
            raise RuntimeError(f"{role} workers not ready after {READY_TIMEOUT:.0f} s")
        time.sleep(0.1)


def share(count: int, workers: int, index: int) -> list[int]:
    """The item numbers worker ``index`` of ``workers`` handles."""
    return list(range(index, count, workers))


def server_keys(server: Any, names: list[str]) -> Counter[str]:
    """Idempotency keys of the versions of ``names``, read from MLflow behind the proxy."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=server.mlflow_url, registry_uri=server.mlflow_url)
    found: Counter[str] = Counter()
    for name in names:
        token = None
        while True:
            page = client.search_model_versions(
                f"name = '{name}'", max_results=1000, page_token=token
            )
            found.update(str((v.tags or {}).get(TAG_KEY)) for v in page)
            token = page.token
            if not token:
                break
    return found


def experiment_owners(server: Any, experiments: dict[str, str]) -> dict[str, str]:
    """experiment id -> the user whose workers write into it."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=server.mlflow_url)
    owners = {}
    for name, user in experiments.items():
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            owners[str(experiment.experiment_id)] = user
    return owners


def crossed_requests(records: list[Any], owners: dict[str, str]) -> list[str]:
    """Uploads into one user's experiment that carried another key (or none)."""
    marker = "/mlflow-artifacts/artifacts/"
    crossed = []
    for record in records:
        if record.method != "PUT" or marker not in record.path:
            continue
        experiment = record.path.split(marker, 1)[1].split("/", 1)[0]
        owner = owners.get(experiment)
        if owner is not None and record.user != owner:
            crossed.append(f"{record.method} {record.path} as {record.user} (owner {owner})")
    return crossed


_CREATES = {"runs": "/runs/create", "logged models": "/logged-models"}


def judge(
    name: str,
    server: Any,
    window: tuple[float, float],
    expected: dict[str, list[str]],
    experiments: dict[str, str],
    seconds: float,
    results: list[dict[str, Any]],
    args: argparse.Namespace,
) -> Phase:
    """Check exactly-once and no cross-key; measure against the rate limit."""
    found = server_keys(server, list(expected))
    wanted = Counter(key for keys in expected.values() for key in keys)
    missing = sorted(k for k in wanted if found[k] == 0)
    duplicated = sorted(k for k, n in found.items() if n > 1 or k not in wanted)
    start, end = window
    during = [r for r in server.requests() if start <= r.time <= end and r.user]
    forwarded = Counter(r.user for r in during if r.forwarded)
    limited = Counter(r.user for r in during if r.status == 429)
    allowed = max(max(0, forwarded[u] - args.burst) / args.rate for u in USERS)
    created = Counter(
        what
        for r in during
        if r.forwarded and r.method == "POST" and r.status == 200
        for what, suffix in _CREATES.items()
        if r.path.endswith(suffix)
    )
    owners = experiment_owners(server, experiments)
    wasted = {}
    for user in USERS:
        marks = [r.tokens_wasted for r in during if r.user == user and r.tokens_wasted is not None]
        wasted[user] = max(marks) - min(marks) if marks else 0.0
    # Start-up before the first request (imports done, but stores opened, records read): the
    # limit is not what the workers wait for then.
    first = min((r.time for r in during), default=start)
    waits = Counter[str]()
    for result in results:
        waits.update(result.get("waits", {}))
    return Phase(
        name=name,
        processes=args.processes,
        threads=args.threads,
        count=sum(len(k) for k in expected.values()),
        seconds=seconds,
        latencies=[x for r in results for x in r["latencies"]],
        failures=[f for r in results for f in r["failures"]],
        exactly_once=not missing and not duplicated,
        missing=missing,
        duplicated=duplicated,
        crossed=crossed_requests(during, owners),
        forwarded=dict(forwarded),
        limited=dict(limited),
        allowed_seconds=allowed,
        created={what: created[what] for what in _CREATES},
        wasted=wasted,
        waits=dict(waits),
        extra={"first_request_after": first - start},
    )


def registration_phase(server: Any, workdir: Path, model: Path, args: argparse.Namespace) -> Phase:
    workers = args.processes * args.threads
    spec = {
        "model": str(model),
        "threads": args.threads,
        "count": args.models,
        "workers": workers,
        "prefix": f"reg-{args.run}",
    }
    seconds, results = run_workers("register", server, workdir, args.processes, spec)
    # From the start signal: what the workers did to get ready is not part of the timing.
    start = (workdir / "register.go").stat().st_mtime
    expected: dict[str, list[str]] = {f"sweep-{u}": [] for u in USERS}
    for index in range(args.processes):
        user = USERS[index % 2]
        for thread in range(args.threads):
            items = share(args.models, workers, index * args.threads + thread)
            expected[f"sweep-{user}"] += [f"reg-{args.run}-{i}" for i in items]
    return judge(
        "register",
        server,
        (start, time.time()),
        expected,
        {f"sweep-{u}": u for u in USERS},
        seconds,
        results,
        args,
    )


def sync_phase(server: Any, workdir: Path, model: Path, args: argparse.Namespace) -> Phase:
    spec = {
        "model": str(model),
        "threads": args.threads,
        "count": args.sync_records,
        "workers": args.processes,
        "prefix": f"sync-{args.run}",
    }
    # The registry's MLflow goes away: the workers' registrations fall back to their homes.
    server.kill_upstream()
    try:
        prepare_seconds, _ = run_workers("prepare", server, workdir, args.processes, spec)
    finally:
        server.start()
    print(f"  (prepared {args.sync_records} pending records in {prepare_seconds:.0f} s)")
    seconds, results = run_workers("sync", server, workdir, args.processes, spec)
    start = (workdir / "sync.go").stat().st_mtime
    expected: dict[str, list[str]] = {f"sweep-sync-{u}": [] for u in USERS}
    for index in range(args.processes):
        user = USERS[index % 2]
        items = share(args.sync_records, args.processes, index)
        expected[f"sweep-sync-{user}"] += [f"sync-{args.run}-{i}" for i in items]
    phase = judge(
        "sync",
        server,
        (start, time.time()),
        expected,
        {f"sweep-sync-{u}": u for u in USERS},
        seconds,
        results,
        args,
    )
    phase.extra["prepare_seconds"] = prepare_seconds
    return phase


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-p", "--processes", type=int, default=16)
    parser.add_argument("-t", "--threads", type=int, default=4)
    parser.add_argument("-m", "--models", type=int, default=500, help="registrations")
    parser.add_argument("-s", "--sync-records", type=int, default=500, help="0: no sync phase")
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s per key")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument(
        "--precise-retry-after",
        action="store_true",
        help="the proxy adds Retry-After-Ms to its 429s (the production proxy does not)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--workdir", type=Path, help="keep the stack's files here")
    args = parser.parse_args(argv)
    args.run = str(int(time.time()))
    return args


def run(args: argparse.Namespace) -> list[Phase]:
    with workdir_for(args) as workdir:
        server = start_stack(workdir, args.rate, args.burst, args.precise_retry_after)
        try:
            model = save_model(workdir)
            phases = [registration_phase(server, workdir, model, args)]
            if args.sync_records:
                phases.append(sync_phase(server, workdir, model, args))
        finally:
            server.kill()
    return phases


@contextmanager
def workdir_for(args: argparse.Namespace) -> Iterator[Path]:
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        yield args.workdir.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="hokusai-sweep-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"sweep: {args.processes} processes x {args.threads} threads, {args.models} models, "
        f"{args.sync_records} pending records; proxy limit {args.rate:g} requests/s per key, "
        f"burst {args.burst}{' (Retry-After-Ms too)' if args.precise_retry_after else ''}; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    phases = run(args)
    for phase in phases:
        print("\n".join(phase.lines()), flush=True)
    if args.json:
        data = [{**asdict(p), "ratio": p.ratio, "ok": p.ok} for p in phases]
        args.json.write_text(json.dumps(data, indent=2))
    return 0 if all(p.ok for p in phases) else 1


# -- the workers ---------------------------------------------------------------------------------


def worker(role: str, spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    os.environ["HOKUSAI_HOME"] = spec["home"]
    os.environ["HOKUSAI_RETRY_DEADLINE"] = RETRY_DEADLINE
    from hokusai import ModelRegistry

    user = spec["user"]
    mode = "auto" if role in ("prepare", "sync") else "remote"
    experiment = f"sweep-{user}" if role == "register" else f"sweep-sync-{user}"
    # One registry per process, shared by its threads.
    registry = ModelRegistry(
        spec["tracking_uri"], api_key=spec["key"], mode=mode, experiment=experiment
    )
    import mlflow  # noqa: F401  (paid before the start signal, not inside the timing)

    Path(spec["ready"]).touch()
    while not Path(spec["go"]).exists():
        time.sleep(0.01)
    waits = WaitCounter()
    logging.getLogger("hokusai").addHandler(waits)
    logging.getLogger("hokusai").setLevel(logging.DEBUG)
    result = {"register": register_share, "prepare": prepare_share, "sync": sync_share}[role](
        registry, spec
    )
    print(json.dumps({**result, "waits": waits.totals}), flush=True)


class WaitCounter(logging.Handler):
    """Sums the SDK's waits from its log lines: after a 429 of its own (the policy's "trying
    again in X s") and held back by another thread's (the gate's "waiting X s")."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.totals: Counter[str] = Counter()
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = str(record.msg)
        if text.startswith("The registry said"):
            kind, seconds = "retry", float(record.args[2])  # type: ignore[index]
        elif text.startswith("Another request of this registry"):
            kind, seconds = "held", float(record.args[0])  # type: ignore[index]
        else:
            return
        with self._lock2:
            self.totals["retries" if kind == "retry" else kind] += 1
            self.totals[f"{kind}_seconds"] += seconds


def register_share(registry: Any, spec: dict[str, Any]) -> dict[str, Any]:
    name = f"sweep-{spec['user']}"

    def thread(number: int) -> tuple[list[float], list[str]]:
        latencies, failures = [], []
        for item in share(spec["count"], spec["workers"], spec["index"] * spec["threads"] + number):
            started = time.monotonic()
            try:
                registry.register_model(
                    spec["model"], name, idempotency_key=f"{spec['prefix']}-{item}"
                )
                latencies.append(time.monotonic() - started)
            except Exception as exc:  # reported, not raised: one failure must not hide the rest
                failures.append(f"{spec['prefix']}-{item}: {type(exc).__name__}: {exc}")
        return latencies, failures

    with ThreadPoolExecutor(spec["threads"]) as pool:
        outcomes = list(pool.map(thread, range(spec["threads"])))
    return {
        "latencies": [x for lat, _ in outcomes for x in lat],
        "failures": [f for _, fail in outcomes for f in fail],
    }


def prepare_share(registry: Any, spec: dict[str, Any]) -> dict[str, Any]:
    name = f"sweep-sync-{spec['user']}"
    failures = []
    for item in share(spec["count"], spec["workers"], spec["index"]):
        entry = registry.register_model(
            spec["model"], name, idempotency_key=f"{spec['prefix']}-{item}"
        )
        if not entry.pending_sync:
            failures.append(f"{spec['prefix']}-{item} went to {entry.target}, not pending")
    return {"latencies": [], "failures": failures}


def sync_share(registry: Any, spec: dict[str, Any]) -> dict[str, Any]:
    from hokusai.sync import SyncEvent, sync_pending

    began: dict[int, float] = {}
    latencies: list[float] = []

    def progress(event: SyncEvent) -> None:
        began.setdefault(event.index, time.monotonic())
        if event.stage == "done":
            latencies.append(time.monotonic() - began[event.index])

    report = sync_pending(registry, concurrency=spec["threads"], on_progress=progress)
    failures = [
        f"{i.record.idempotency_key}: {i.outcome}: {i.error}"
        for i in report.items
        if i.outcome not in ("pushed", "already-present")
    ]
    return {"latencies": latencies, "failures": failures}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
