"""Config-file mistakes are said once, with the file and line; MLflow's schema chatter is not."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hokusai.config.tracking import TrackingConfig
from hokusai.support.notices import forget_notices


def resolve(home: Path) -> TrackingConfig:
    return TrackingConfig.resolve(environ={"HOKUSAI_HOME": str(home)})


def test_a_misspelled_key_is_named_with_its_line_and_the_closest_setting(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (home / "config").write_text("[default]\nmode = local\nprobe_timout = 2\n")
    with caplog.at_level(logging.WARNING, logger="hokusai"):
        config = resolve(home)
        resolve(home)  # the second registry does not say it again
    assert config.probe_timeout.value == 3  # the typo is not read
    [warning] = [r.getMessage() for r in caplog.records if "probe_timout" in r.getMessage()]
    assert f"{home / 'config'}, line 3" in warning and "Did you mean 'probe_timeout'?" in warning


def test_an_upper_case_default_section_is_read_and_named(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (home / "config").write_text("[DEFAULT]\nmode = local\n")
    with caplog.at_level(logging.WARNING, logger="hokusai"):
        config = resolve(home)
    assert config.mode.value.value == "local"
    assert any("[DEFAULT]" in r.getMessage() and "line 1" in r.getMessage() for r in caplog.records)


def test_another_section_is_reported_as_not_read(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    forget_notices()
    (home / "config").write_text("[default]\nexperiment = a\n\n[staging]\nmode = local\n")
    with caplog.at_level(logging.WARNING, logger="hokusai"):
        config = resolve(home)
    assert config.mode.value.value == "auto" and config.experiment.value == "a"
    [warning] = [r.getMessage() for r in caplog.records if "[staging]" in r.getMessage()]
    assert "line 4 is not read" in warning


def test_opening_a_new_local_store_does_not_print_mlflow_schema_messages(tmp_path: Path) -> None:
    program = (
        "from hokusai.registry import ModelRegistry\n"
        "with ModelRegistry(mode='local') as registry:\n"
        "    print(registry.list_models_by_type('nothing'))\n"
    )
    env = {**os.environ, "HOKUSAI_HOME": str(tmp_path / "fresh"), "MLFLOW_DISABLE_TELEMETRY": "1"}
    env.pop("MLFLOW_LOGGING_LEVEL", None)
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert "Creating initial MLflow database tables" not in done.stderr
    assert "Updating database tables" not in done.stderr
