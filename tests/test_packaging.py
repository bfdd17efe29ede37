"""What `pip install hokusai-ml-platform` gives a user: its name, version, licence and weight."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import hokusai
from hokusai.cli.main import main

DIST = distribution("hokusai-ml-platform")


def _extra_requirements(extra: str) -> set[str]:
    """What ``pip install 'hokusai-ml-platform[extra]'`` adds, following the extras it names."""
    names: set[str] = set()
    for line in DIST.requires or []:
        req = Requirement(line)
        if req.marker is None or not req.marker.evaluate({"extra": extra}):
            continue
        if req.name == DIST.name:
            for inner in req.extras:
                names |= _extra_requirements(inner)
        else:
            names.add(req.name.lower())
    return names


def _unconditional_requirements() -> set[str]:
    requirements = [Requirement(line) for line in DIST.requires or []]
    return {req.name.lower() for req in requirements if req.marker is None}


def test_the_version_is_the_installed_distributions() -> None:
    assert hokusai.__version__ == DIST.version


def test_cli_version_matches(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out, _ = capsys.readouterr()
    assert out.strip() == f"hokusai {DIST.version}"


def test_a_source_tree_without_metadata_still_imports_with_a_placeholder_version() -> None:
    probe = (
        "import importlib.metadata as m\n"
        "def missing(name): raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import hokusai\n"
        "print(hokusai.__version__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "0+unknown"


def test_users_get_the_mlflow_client_not_the_server_stack() -> None:
    required = _unconditional_requirements()
    assert "mlflow-skinny" in required
    assert "mlflow" not in required
    # The local store: MLflow's SQLAlchemy store and its Alembic migrations.
    assert {"sqlalchemy", "alembic", "pandas"} <= required


def test_apache_licence_is_declared_and_shipped() -> None:
    assert DIST.metadata["License-Expression"] == "Apache-2.0"
    shipped = [path for path in DIST.files or [] if path.name == "LICENSE"]
    assert shipped, "LICENSE is not in the installed distribution"
    assert "Apache License" in shipped[0].read_text()


def test_both_console_scripts_run_the_same_command_line() -> None:
    # The earlier package installed `hokusai` and `hokusai-ml-platform`; scripts use either.
    scripts = {e.name: e.value for e in DIST.entry_points if e.group == "console_scripts"}
    assert scripts["hokusai"] == scripts["hokusai-ml-platform"] == "hokusai.cli.main:main"


def test_mlflow_finds_the_hokusai_uri_scheme_through_the_installed_entry_points(
    tmp_path: Path,
) -> None:
    # A fresh interpreter, nothing registered by hand: MLflow builds a hokusai:// store, which
    # asks for a key before any request.
    script = (
        "from mlflow import MlflowClient\n"
        "try:\n"
        "    MlflowClient('hokusai://').search_experiments()\n"
        "except Exception as error:\n"
        "    print(type(error).__name__)\n"
    )
    env = {**os.environ, "HOKUSAI_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.stdout.strip() == "AuthenticationError", result.stderr[-2000:]
    groups = {e.group: e.value for e in DIST.entry_points if e.name == "hokusai"}
    assert groups["mlflow.artifact_repository"] == "hokusai.uri_scheme:artifact_repository"


def test_the_documented_ml_extra_installs_what_registering_a_sklearn_model_needs() -> None:
    # `pip install 'hokusai-ml-platform[ml]'` is the platform docs' install line.
    assert _extra_requirements("ml") == _extra_requirements("sklearn") == {"scikit-learn", "skops"}


def test_every_extra_the_platform_docs_name_exists() -> None:
    provided = set(DIST.metadata.get_all("Provides-Extra") or [])
    assert {"ml", "gtm", "pipeline", "all"} <= provided
    assert {"xgboost", "transformers"} <= _extra_requirements("gtm")
    assert _extra_requirements("ml") | _extra_requirements("gtm") <= _extra_requirements("all")
