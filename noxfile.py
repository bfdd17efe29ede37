"""Everything a contributor runs: `nox` runs the default sessions, as CI does."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "integration", "flavors"]
nox.options.reuse_existing_virtualenvs = True

# Tests never phone home, and never read or write the developer's real keyring.
TEST_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
}
TEST_EXTRAS = ".[testing,quickstart,keyring]"


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff")
    session.run("ruff", "check", "hokusai", "tests", "fixtures", "noxfile.py")
    session.run("ruff", "format", "--check", "hokusai", "tests", "fixtures", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", TEST_EXTRAS, "mypy", "types-requests")
    session.run("mypy", "hokusai")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, fake-server and CLI tests (no real server); extra args go to pytest."""
    session.install("-e", TEST_EXTRAS, "pytest-xdist", "pytest-randomly")
    session.run(
        "pytest", "-m", "not integration and not flavors", "-n", "2", *session.posargs, env=TEST_ENV
    )


@nox.session
def integration(session: nox.Session) -> None:
    """Against a real `mlflow server` behind a bearer-key proxy on 127.0.0.1."""
    session.install("-e", TEST_EXTRAS, "pytest-randomly")
    session.run("pytest", "-m", "integration", *session.posargs, env=TEST_ENV)


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
    session.install("-e", TEST_EXTRAS, *FRAMEWORKS)
    env = {**TEST_ENV, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "KERAS_BACKEND": "torch"}
    session.run("pytest", "-m", "flavors", *session.posargs, env=env)


@nox.session
def quickstart(session: nox.Session) -> None:
    """The README's main job, in a throwaway HOKUSAI_HOME."""
    session.install("-e", ".[quickstart]")
    home = session.create_tmp()
    session.run("hokusai", "quickstart", env={**TEST_ENV, "HOKUSAI_HOME": home})


@nox.session
def benchmark(session: nox.Session) -> None:
    """Print how fast the SDK decides: probe, fallback, breaker, import time."""
    session.install("-e", TEST_EXTRAS)
    session.run("python", "benchmarks/fallback_latency.py", env=TEST_ENV)
