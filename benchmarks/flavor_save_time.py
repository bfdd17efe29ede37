"""How long saving a model takes: requirements pinned by hokusai vs inferred by MLflow.

Run in an environment with the frameworks (``nox -s flavors -- --co`` leaves one in
``.nox/flavors``: ``.nox/flavors/bin/python benchmarks/flavor_save_time.py``). Prints figures;
asserts nothing. For each tiny model of ``tests/flavors/builders.py`` it times
``hokusai.flavors.staged`` (requirements from the installed versions) and the same flavor's
``save_model`` with no ``pip_requirements`` (MLflow loads the saved model in a subprocess to
see what it imports), best of ``REPEATS``.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hokusai.flavors import flavor_of, staged
from tests.flavors.builders import BUILDERS, Case, transformers_pipeline

REPEATS = 2


def best(action: Callable[[], None]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def pinned(case: Case) -> None:
    with staged(case.model):
        pass


def inferred(case: Case) -> None:
    flavor = flavor_of(case.model)
    save_model = importlib.import_module(flavor.mlflow_module).save_model
    with tempfile.TemporaryDirectory() as tmp:
        target = str(Path(tmp) / "model")
        options = dict(flavor.without_example)
        if flavor.model_keyword:
            save_model(target, **{flavor.model_keyword: case.model}, **options)
        else:
            save_model(case.model, target, **options)


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        cases = {name: build() for name, build in BUILDERS.items()}
        cases["transformers-pipeline"] = transformers_pipeline(Path(workdir))
        print(f"{'model':<24}{'pinned (s)':>12}{'inferred (s)':>14}")
        for name, case in cases.items():
            print(f"{name:<24}{best(lambda c=case: pinned(c)):>12.2f}", end="", flush=True)
            print(f"{best(lambda c=case: inferred(c)):>14.2f}")


if __name__ == "__main__":
    main()
