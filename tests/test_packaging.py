"""What `pip install hokusai-ml-platform` gives a user: its name, version, licence and weight."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution

import pytest
from packaging.requirements import Requirement

import hokusai
from hokusai.cli.main import main

DIST = distribution("hokusai-ml-platform")


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
