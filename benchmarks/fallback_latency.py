"""How fast the SDK decides where a registration goes. Prints figures; asserts nothing.

Run with ``nox -s benchmark`` (or ``python benchmarks/fallback_latency.py``). Everything stays
on this machine: the "hosted registry" is the in-process fake, a closed loopback port, or a
loopback socket that listens but never answers. Takes about half a minute.

Figures:
- ``import hokusai`` in a fresh interpreter (the import must stay cheap: no mlflow);
- time to decision (``status(probe=True)``: one probe) when the registry answers, refuses
  the connection, or accepts it and never answers (bounded by the 3 s probe budget, where
  MLflow's defaults would wait for minutes), and when the breaker already knows;
- a registration that falls back because of the black hole, end to end;
- the first and second registration on a fresh local store (the first creates its schema).
"""

from __future__ import annotations

import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")  # figures only, no MLflow chatter

KEY = "hk_live_" + "B" * 36  # any well-formed key: nothing here checks it but the fake
ROWS: list[tuple[str, str, str]] = []


def report(what: str, seconds: float, note: str = "") -> None:
    shown = f"{seconds * 1000:9.1f} ms" if seconds < 1 else f"{seconds:9.2f} s "
    ROWS.append((what, shown, note))
    print(f"  {what:<52} {shown}  {note}", flush=True)


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


@contextmanager
def fresh_home() -> Iterator[Path]:
    """A throwaway HOKUSAI_HOME, so nothing touches the user's ~/.hokusai."""
    with tempfile.TemporaryDirectory(prefix="hokusai-bench-") as home:
        saved = os.environ.get("HOKUSAI_HOME")
        os.environ["HOKUSAI_HOME"] = home
        try:
            yield Path(home)
        finally:
            if saved is None:
                os.environ.pop("HOKUSAI_HOME", None)
            else:
                os.environ["HOKUSAI_HOME"] = saved


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port that completes TCP handshakes (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)  # never accept()ed, never read, never answered
        yield int(sock.getsockname()[1])


def bench_import() -> None:
    code = (
        "import time; t = time.perf_counter(); import hokusai; "
        "print(time.perf_counter() - t); import sys; print('mlflow' in sys.modules)"
    )
    inside, total, imported_mlflow = [], [], False
    for _ in range(3):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        total.append(time.perf_counter() - started)
        inside.append(float(out[0]))
        imported_mlflow = imported_mlflow or out[1] == "True"
    report("import hokusai (median of 3, in the new process)", statistics.median(inside))
    note = "mlflow imported too!" if imported_mlflow else "mlflow not imported"
    report("python -c 'import hokusai' (whole process)", statistics.median(total), note)


def decide(tracking_uri: str, **kwargs: Any) -> tuple[Any, float]:
    """One probe from a new registry: (its ProbeResult, seconds to the decision)."""
    from hokusai import ModelRegistry

    registry = ModelRegistry(tracking_uri, api_key=KEY, **kwargs)
    status, seconds = timed(lambda: registry.status(probe=True))
    return status.last_probe, seconds


def bench_decisions() -> None:
    from hokusai import ModelRegistry
    from hokusai.testing.fake_server import FakeRegistryServer
    from hokusai.testing.proxy_rules import KeyGrant

    with FakeRegistryServer() as fake:
        fake.add_key(KEY, KeyGrant("bench"))
        decide(fake.tracking_uri)  # warm up requests' and the fake's first-call costs
        times = [decide(fake.tracking_uri)[1] for _ in range(20)]
        probe, _ = decide(fake.tracking_uri)
        report("probe OK (fake registry), median of 20", statistics.median(times), probe.verdict)

    refused_uri = f"http://127.0.0.1:{closed_port()}/api/mlflow"
    times = [decide(refused_uri)[1] for _ in range(5)]
    probe, _ = decide(refused_uri)
    note = f"{probe.verdict} ({probe.reason})"
    report("refused (closed loopback port), median of 5", statistics.median(times), note)

    with black_hole() as port:
        uri = f"http://127.0.0.1:{port}/api/mlflow"
        registry = ModelRegistry(uri, api_key=KEY)  # the default 3 s probe budget
        status, seconds = timed(lambda: registry.status(probe=True))
        probe = status.last_probe
        note = f"{probe.verdict} ({probe.reason}); budget {registry.config.probe_timeout.value:g} s"
        report("black hole (listens, never answers)", seconds, note)
        status, seconds = timed(lambda: registry.status(probe=True))
        report("  asked again: the breaker's cached decision", seconds, status.last_probe.verdict)


class _Echo:
    """A tiny ``mlflow.pyfunc.PythonModel`` (the class is built once mlflow is imported)."""

    @staticmethod
    def make() -> Any:
        from mlflow.pyfunc.model import PythonModel

        class Echo(PythonModel):
            def predict(self, context: Any, model_input: list[Any], params: Any = None) -> Any:
                return model_input

        return Echo()


def bench_registrations(workdir: Path) -> None:
    import mlflow.pyfunc

    from hokusai import ModelRegistry

    model = workdir / "echo"
    mlflow.pyfunc.save_model(str(model), python_model=_Echo.make(), pip_requirements=[])

    with fresh_home():
        local = ModelRegistry(mode="local")
        entry, seconds = timed(lambda: local.register_model(model, "bench"))
        note = f"{entry.target} v{entry.version}; creates the store's schema"
        report("first registration, fresh local store (model dir)", seconds, note)
        entry, seconds = timed(lambda: local.register_model(model, "bench"))
        report("second registration, same store (model dir)", seconds, f"v{entry.version}")
        entry, seconds = timed(lambda: local.register_model(_Echo.make(), "bench"))
        note = f"v{entry.version}; includes saving the model"
        report("registration of a PythonModel object", seconds, note)

        # Same home, so the local store exists: the figure is the probe budget plus a
        # registration, not the schema's creation.
        with black_hole() as port:
            uri = f"http://127.0.0.1:{port}/api/mlflow"
            registry = ModelRegistry(uri, api_key=KEY, mode="auto")
            entry, seconds = timed(lambda: registry.register_model(model, "fallback"))
            note = f"{entry.target}, pending={entry.pending_sync}; 3 s budget + local store"
            report("registration falling back from the black hole", seconds, note)
            entry, seconds = timed(lambda: registry.register_model(model, "fallback"))
            report("  the next one (breaker open)", seconds, f"{entry.target} v{entry.version}")


def main() -> None:
    # Figures only: MLflow's and the SDK's warnings (the fallback notice) would bury them.
    warnings.simplefilter("ignore")
    logging.captureWarnings(True)  # MLflow re-enables some warnings; send them to logging
    for name in ("py.warnings", "mlflow", "hokusai"):
        logging.getLogger(name).setLevel(logging.ERROR)
    started = time.perf_counter()
    print("hokusai fallback latency (loopback only)\n", flush=True)
    bench_import()
    with fresh_home():
        bench_decisions()
    with tempfile.TemporaryDirectory(prefix="hokusai-bench-model-") as workdir:
        bench_registrations(Path(workdir))
    print(f"\nTotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
