"""Everything a contributor runs: `nox` runs the default sessions, as CI does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "tests-floor", "integration", "flavors"]
nox.options.reuse_existing_virtualenvs = True
# A session whose interpreter is missing fails instead of being skipped: the 3.10 floor is a claim.
nox.options.error_on_missing_interpreters = True

# Tests never phone home, and never read or write the developer's real keyring.
TEST_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
}
# Users' dependencies: the SDK gets mlflow-skinny, so the tests exercise what users install.
TEST_EXTRAS = ".[testing,quickstart,keyring]"
# What every pytest session needs besides the extras (tests/properties uses hypothesis).
TEST_TOOLS = ("hypothesis",)
FLOOR_PYTHON = "3.10"
# The oldest MLflow supported: the platform's own server pin (its Dockerfile.mlflow). The newest
# is whatever the index serves: sessions that do not pin it get it.
MLFLOW_FLOOR = "3.9.0"
FLOOR_CLIENT = f"mlflow-skinny=={MLFLOW_FLOOR}"
# The server-version matrix beyond the main integration run: the same suite minus the tests
# marked `slow` (long sweeps whose subject is the SDK, not the server).
ACCEPTANCE = "integration and not slow"


def _working_interpreter(version: str) -> str:
    """The path of a Python `version` that runs, else `version` (nox then fails: not found).

    `pythonX.Y` on PATH first; then pyenv's own builds, which exist even where pyenv's shim
    for that name refuses to run (the version is installed but not selected).
    """
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    builds = sorted(
        pyenv_root.glob(f"versions/{version}.*/bin/python{version}"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parts[-3])],
        reverse=True,
    )
    on_path = shutil.which(f"python{version}")
    for candidate in [*([on_path] if on_path else []), *map(str, builds)]:
        probe = "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])"
        try:
            result = subprocess.run(
                [candidate, "-c", probe], capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        lines = result.stdout.split()
        if result.returncode == 0 and lines[-1:] == [version]:
            return lines[0]
    return version


def _mlflow_server_python(
    session: nox.Session, version: str | None = None, *, pre: bool = False
) -> str:
    """A venv of its own with the full `mlflow` (the server): ``version``, else the newest
    (``pre``: pre-releases too).

    The SDK's venv keeps only mlflow-skinny, so the tests run against what users install; the
    integration stack launches `mlflow server` with this interpreter instead. The newest full
    `mlflow` the index can install may trail the newest mlflow-skinny (3.18.0's mlflow-tracing
    was never published), so "newest" is what pip resolves, not the client's version.
    """
    venv = Path(".nox") / f"mlflow-server-{version or ('next' if pre else 'newest')}"
    python = venv / "bin" / "python"
    if not python.exists():
        session.run(sys.executable, "-m", "venv", str(venv), external=True)
    spec = f"mlflow=={version}" if version else "mlflow"
    options = ["--pre"] if pre else []
    session.run(
        str(python), "-m", "pip", "install", "--quiet", "--upgrade", *options, spec, external=True
    )
    # Not resolve(): the venv's python is a symlink to the base interpreter, outside the venv.
    return str(python.absolute())


def _against_server(
    session: nox.Session, version: str | None, marker: str, *, pre: bool = False
) -> None:
    """pytest -m ``marker`` with the real stack's `mlflow server` at ``version``."""
    server = _mlflow_server_python(session, version, pre=pre)
    session.log(f"integration against mlflow server {version or 'newest'} (-m {marker!r})")
    session.run(
        "pytest",
        "-m",
        marker,
        *session.posargs,
        env={**TEST_ENV, "REAL_SERVER_MLFLOW_PYTHON": server},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and formatting) and import-linter (the layer map of docs/architecture.md)."""
    session.install("ruff", "import-linter")
    session.run("ruff", "check", "hokusai", "tests", "fixtures", "noxfile.py")
    session.run("ruff", "format", "--check", "hokusai", "tests", "fixtures", "noxfile.py")
    # Reads the contracts in pyproject.toml; the package is found from the working directory.
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", TEST_EXTRAS, "mypy", "types-requests")
    session.run("mypy", "hokusai")


def _unit_tests(session: nox.Session, *client: str, pre: bool = False) -> None:
    session.install("-e", TEST_EXTRAS, *client, *TEST_TOOLS, "pytest-xdist", "pytest-randomly")
    if pre:  # only MLflow's pre-releases, not every dependency's
        session.install("--pre", "--upgrade", "mlflow-skinny")
    session.run("python", "-c", "import mlflow; print('MLflow client', mlflow.__version__)")
    session.run(
        "pytest", "-m", "not integration and not flavors", "-n", "2", *session.posargs, env=TEST_ENV
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, fake-server and CLI tests (no real server) on the newest MLflow; args go to pytest."""
    _unit_tests(session)


@nox.session(name="tests-floor", python=_working_interpreter(FLOOR_PYTHON))
def tests_floor(session: nox.Session) -> None:
    """Both floors at once: Python 3.10 (requires-python) and MLflow 3.9.0 (the platform's pin).

    The same tests as `tests`, then, in the same venv, the integration suite (less `slow`)
    with this floor client against an MLflow 3.9.0 server.
    """
    _unit_tests(session, FLOOR_CLIENT)
    _against_server(session, MLFLOW_FLOOR, ACCEPTANCE)


@nox.session
def integration(session: nox.Session) -> None:
    """Against a real `mlflow server` behind a bearer-key proxy on 127.0.0.1, newest client:
    the whole suite on the newest server, then (less `slow`) on an MLflow 3.9.0 server."""
    session.install("-e", TEST_EXTRAS, *TEST_TOOLS, "pytest-randomly")
    _against_server(session, None, "integration")
    _against_server(session, MLFLOW_FLOOR, ACCEPTANCE)


@nox.session(name="mlflow-next")
def mlflow_next(session: nox.Session) -> None:
    """Early warning, not in the default set: the newest MLflow, pre-releases included, client
    and server, through the unit and the whole integration suite (docs/compatibility.md)."""
    _unit_tests(session, pre=True)
    _against_server(session, None, "integration", pre=True)


# Each framework with an MLflow flavor that installs here within CI's time. torch is pinned: the
# 2.13.0 CPU build lies on these machines' disk; an unpinned torch pulls a multi-GB CUDA build.
# TensorFlow is left out (about 5 min and 2.1 GB more); Keras 3 runs on the torch backend.
FRAMEWORKS = [
    "torch==2.13.0",
    "xgboost",
    "lightgbm",
    "catboost",
    "statsmodels",
    "onnx",
    "onnxruntime",
    "transformers",
    "keras",
]


@nox.session
def flavors(session: nox.Session) -> None:
    """A tiny model of each framework: registered on the real server, loaded back, predicting."""
    session.install("-e", TEST_EXTRAS, *TEST_TOOLS, *FRAMEWORKS)
    env = {
        **TEST_ENV,
        "REAL_SERVER_MLFLOW_PYTHON": _mlflow_server_python(session),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "KERAS_BACKEND": "torch",
    }
    session.run("pytest", "-m", "flavors", *session.posargs, env=env)


# Pinned: a new release of any of them can turn a warning on and fail the strict build.
DOCS_TOOLS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.6.23",
    "mkdocstrings==0.30.1",
    "mkdocstrings-python==2.0.9",
]
# In the default set, so CI builds the site on every change.
nox.options.sessions.append("docs")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, built with --strict: a broken link or anchor, a page missing from
    the nav, or a docstring mkdocstrings cannot read fails it. Its examples run in `tests`."""
    # mkdocstrings formats the signatures with ruff.
    session.install(*DOCS_TOOLS, "ruff")
    session.run("mkdocs", "build", "--strict", "--site-dir", session.create_tmp() + "/site")


@nox.session
def quickstart(session: nox.Session) -> None:
    """The README's main job, in a throwaway HOKUSAI_HOME."""
    session.install("-e", ".[quickstart]")
    home = session.create_tmp()
    session.run("hokusai", "quickstart", env={**TEST_ENV, "HOKUSAI_HOME": home})


@nox.session
def bench(session: nox.Session) -> None:
    """The SDK against raw MLflow on the real server stack: one table (docs/performance.md).

    Not a default session (it takes minutes and wants a quiet machine). ``-- --quick`` runs
    fewer repetitions with a smaller model; ``-- --model-mb 1024`` runs the full 1 GB row.
    """
    session.install("-e", TEST_EXTRAS)
    env = {**TEST_ENV, "REAL_SERVER_MLFLOW_PYTHON": _mlflow_server_python(session)}
    session.run("python", "-m", "benchmarks", *session.posargs, env=env)


@nox.session
def benchmark(session: nox.Session) -> None:
    """The former name of ``bench``."""
    bench(session)
