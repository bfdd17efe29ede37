"""Shared fixtures: every test runs with a clean environment and its own HOKUSAI_HOME."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hokusai.notices import forget_notices

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_OWNED_PREFIXES = ("HOKUSAI_", "MLFLOW_TRACKING_", "MLFLOW_HTTP_REQUEST_")


def _keys_by_user() -> dict[str, str]:
    raw = json.loads((FIXTURES / "keys.json").read_text())
    return {spec["user"]: key for key, spec in raw.items()}


KEYS = _keys_by_user()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path) -> Iterator[Path]:
    """No HOKUSAI_*/MLFLOW_TRACKING_* leaks in or out; HOKUSAI_HOME is a fresh directory."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(_OWNED_PREFIXES):
            del os.environ[name]
    home = tmp_path / "hokusai-home"
    os.environ["HOKUSAI_HOME"] = str(home)
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    forget_notices()
    try:
        yield home
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def keys() -> dict[str, str]:
    """Test keys by user: alice and bob write, reader reads, outsider has no registry access."""
    return dict(KEYS)
