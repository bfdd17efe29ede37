"""One side of a benchmark row, in its own process: the SDK, or raw MLflow.

``python -m benchmarks.worker sdk|raw`` reads one JSON job per line on stdin and answers one
JSON line per job: ``{"seconds": ..., "peak_rss_mb": ..., ...}``. A long-lived worker is a warm
process (MLflow already imported, clients already made); ``--once JOB_JSON`` runs one job in a
fresh process for the cold rows. Raw MLflow takes its key the only way it can, from
``MLFLOW_TRACKING_TOKEN`` in its environment, which the suite sets for the raw worker alone.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")

Job = dict[str, Any]


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the process's peak resident set so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_MODEL: list[Any] = []


def sklearn_model() -> Any:
    """A small fitted scikit-learn classifier, the same in both workers."""
    if not _MODEL:
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        rng = np.random.default_rng(0)
        features = rng.normal(size=(200, 8))
        _MODEL.append(LogisticRegression().fit(features, features[:, 0] > 0))
    return _MODEL[0]


def pins() -> list[str]:
    """The requirements the SDK pins for the model; raw MLflow is given the same ones."""
    from hokusai.flavors.requirements import requirements

    return requirements(sklearn_model(), ("scikit-learn", "skops"))


# -- the SDK -----------------------------------------------------------------------------------

_REGISTRIES: dict[tuple[str, ...], Any] = {}


def registry(**options: Any) -> Any:
    key = tuple(sorted(f"{k}={v}" for k, v in options.items()))
    if key not in _REGISTRIES:
        from hokusai import ModelRegistry

        _REGISTRIES[key] = ModelRegistry(**options)
    return _REGISTRIES[key]


def sdk_register_sklearn(job: Job) -> Job:
    entry = registry(tracking_uri=job["uri"], api_key=job["key"], mode="remote").register_model(
        sklearn_model(), job["name"]
    )
    return {"version": entry.version}


def sdk_register_dir(job: Job) -> Job:
    entry = registry(tracking_uri=job["uri"], api_key=job["key"], mode="remote").register_model(
        Path(job["path"]), job["name"]
    )
    return {"version": entry.version}


def sdk_load(job: Job) -> Job:
    reg = registry(tracking_uri=job["uri"], api_key=job["key"], mode="remote")
    reg.load_model(job["name"], job["version"])
    return {}


def sdk_register_local(job: Job) -> Job:
    entry = registry(mode="local").register_model(sklearn_model(), job["name"])
    return {"version": entry.version}


def sdk_threads(job: Job) -> Job:
    """Threads share a registry per key, as a training service with two tenants would."""
    registries = [
        registry(tracking_uri=job["uri"], api_key=key, mode="remote", experiment=experiment)
        for key, experiment in zip(job["keys"], job["experiments"], strict=True)
    ]
    model = sklearn_model()

    def work(thread: int) -> None:
        chosen = registries[thread % len(registries)]
        for n in range(job["per_thread"]):
            chosen.register_model(model, f"{job['prefix']}-t{thread}-{n}")

    _run_threads(work, job["threads"])
    return {}


def sdk_lookups(job: Job) -> Job:
    reg = registry(tracking_uri=job["uri"], api_key=job["key"], mode="remote")
    calls: dict[str, Callable[[], Any]] = {
        "by_id": lambda: reg.get_model_by_id(job["model_id"]),
        "lineage": lambda: reg.get_model_lineage(job["model_id"]),
        "latest": lambda: reg.get_latest_model(job["model_type"]),
    }
    timings: Job = {}
    for what in [job["only"]] if "only" in job else list(calls):
        started = time.perf_counter()
        result = calls[what]()
        timings[what] = time.perf_counter() - started
        if what == "lineage":
            timings["lineage_depth"] = len(result.entries)
    return timings


# -- raw MLflow --------------------------------------------------------------------------------


def raw_log_and_register(name: str, *, uri: str, experiment: str = "bench-raw") -> str:
    import mlflow
    import mlflow.sklearn

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            sklearn_model(), name="model", pip_requirements=pins(), registered_model_name=name
        )
    return str(info.registered_model_version)


def raw_register_sklearn(job: Job) -> Job:
    return {"version": raw_log_and_register(job["name"], uri=job["uri"])}


def raw_register_dir(job: Job) -> Job:
    import mlflow

    mlflow.set_tracking_uri(job["uri"])
    mlflow.set_experiment("bench-raw")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(job["path"], "model")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", job["name"])
    return {"version": str(version.version)}


def raw_load(job: Job) -> Job:
    import mlflow.pyfunc

    mlflow.set_tracking_uri(job["uri"])
    mlflow.pyfunc.load_model(f"models:/{job['name']}/{job['version']}")
    return {}


def raw_register_local(job: Job) -> Job:
    store = Path(os.environ["HOKUSAI_HOME"]) / "raw-local"
    store.mkdir(parents=True, exist_ok=True)
    return {"version": raw_log_and_register(job["name"], uri=f"sqlite:///{store / 'mlflow.db'}")}


def raw_threads(job: Job) -> Job:
    """The same registrations from 8 threads; raw MLflow has one key per process (its env)."""

    def work(thread: int) -> None:
        for n in range(job["per_thread"]):
            raw_log_and_register(f"{job['prefix']}-raw-{thread}-{n}", uri=job["uri"])

    _run_threads(work, job["threads"])
    return {}


def _run_threads(work: Callable[[int], None], threads: int) -> None:
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(work, n) for n in range(threads)]:
            future.result()


JOBS: dict[str, dict[str, Callable[[Job], Job]]] = {
    "sdk": {
        "register_sklearn": sdk_register_sklearn,
        "register_dir": sdk_register_dir,
        "load": sdk_load,
        "register_local": sdk_register_local,
        "threads": sdk_threads,
        "lookups": sdk_lookups,
    },
    "raw": {
        "register_sklearn": raw_register_sklearn,
        "register_dir": raw_register_dir,
        "load": raw_load,
        "register_local": raw_register_local,
        "threads": raw_threads,
    },
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def run(side: str, job: Job) -> Job:
    before = peak_rss_mb()
    cpu_before, started = cpu_seconds(), time.perf_counter()
    extra = JOBS[side][job["job"]](job)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
    return {
        "seconds": seconds,
        "job_cpu": cpu,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": before,
        **extra,
    }


def main(argv: list[str]) -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    side = argv[0]
    # MLflow prints to stdout ("Successfully registered model ..."): answers get their own.
    answers, sys.stdout = sys.stdout, sys.stderr
    if argv[1:2] == ["--once"]:
        # The job's own seconds leave the imports out (the cold rows time the whole process
        # from outside): a big model's row is about the transfer. Each side's library whole:
        # MLflow for both, and the SDK's modules that its calls would import on first use.
        import mlflow.pyfunc  # noqa: F401

        if side == "sdk":
            import hokusai.backends.mlflow_store
            import hokusai.mlflow_internals.routes
            import hokusai.registry  # noqa: F401

        print(json.dumps(run(side, json.loads(argv[2]))), file=answers, flush=True)
        return
    if side == "sdk" or side == "raw":
        sklearn_model()  # warm: the model exists before the first timed job
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = run(side, json.loads(line))
        except Exception as exc:  # the suite shows the row as failed and goes on
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), file=answers, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
