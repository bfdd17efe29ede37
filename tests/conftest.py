"""Shared fixtures: every test runs with a clean environment and its own HOKUSAI_HOME."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hokusai.config.defaults import clear as clear_process_defaults
from hokusai.support.notices import forget_notices

# The key canary fails any test whose key shows up in logs, output, errors, files or the
# environment (tests/plugins/key_canary.py); pytester runs it on tests made to leak.
pytest_plugins = ["tests.plugins.key_canary", "pytester"]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_OWNED_PREFIXES = ("HOKUSAI_", "MLFLOW_TRACKING_", "MLFLOW_HTTP_REQUEST_")


def _keys_by_user() -> dict[str, str]:
    raw = json.loads((FIXTURES / "keys.json").read_text())
    return {spec["user"]: key for key, spec in raw.items()}


KEYS = _keys_by_user()


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost"})


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> Iterator[None]:
    """No network but loopback: a name or address elsewhere fails to resolve, loudly.

    The fake registry intercepts requests before they reach a socket, so this only ever trips
    on a test (or SDK code) that would really have gone out to the network.
    """
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in _LOOPBACK_NAMES and not name.startswith("127."):
            raise socket.gaierror(f"tests reach nothing but loopback; refused to resolve {name!r}")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = guarded
    try:
        yield
    finally:
        socket.getaddrinfo = real


@pytest.fixture(scope="session")
def migrated_local_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty local store with MLflow's schema already created.

    Creating the schema takes seconds per database; every test copies this file instead, so
    the suite measures the SDK, not MLflow's migrations.
    """
    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow import MlflowClient

    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, migrated_local_db: Path) -> Iterator[Path]:
    """No HOKUSAI_*/MLFLOW_TRACKING_* leaks in or out; HOKUSAI_HOME is a fresh directory
    holding an empty, migrated local store."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(_OWNED_PREFIXES):
            del os.environ[name]
    home = tmp_path / "hokusai-home"
    (home / "mlflow").mkdir(parents=True)
    shutil.copyfile(migrated_local_db, home / "mlflow" / "mlflow.db")
    os.environ["HOKUSAI_HOME"] = str(home)
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    forget_notices()
    clear_process_defaults()  # hokusai.configure() is process-wide: no test inherits another's
    try:
        yield home
    finally:
        clear_process_defaults()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def keys() -> dict[str, str]:
    """Test keys by user: alice and bob write, reader reads, outsider has no registry access."""
    return dict(KEYS)


@pytest.fixture(scope="session")
def sk_model() -> object:
    """A small fitted scikit-learn classifier: real artifacts, milliseconds to train."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, labels = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=300).fit(features, labels)


@pytest.fixture(scope="session")
def sk_model_dir(sk_model: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sk_model`` saved once as an MLflow model directory, as a user has it on disk."""
    import mlflow.sklearn

    path = tmp_path_factory.mktemp("sk-model") / "model"
    mlflow.sklearn.save_model(
        sk_model, str(path), pip_requirements=mlflow.sklearn.get_default_pip_requirements()
    )
    return path


@pytest.fixture(params=["mock", "local", "remote"])
def registry_in_each_mode(request: pytest.FixtureRequest, fake: Any) -> Any:
    """A registry in each mode in turn; ``remote`` is the fake registry, as alice."""
    from hokusai import ModelRegistry

    if request.param == "remote":
        return ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    return ModelRegistry(mode=request.param)


@pytest.fixture
def fake() -> Iterator[object]:
    """The fake hosted registry, with the suite's key file (fixtures/keys.json)."""
    from hokusai.testing.fake_server import FakeRegistryServer
    from hokusai.testing.proxy_rules import load_keys

    with FakeRegistryServer(keys=load_keys(FIXTURES / "keys.json")) as server:
        yield server


@pytest.fixture
def mlflow_global_restored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """For user code that sets MLflow's process-wide tracking URI and starts runs: both
    are put back. They run in a scratch directory, where MLflow's default store lands."""
    import mlflow

    monkeypatch.chdir(tmp_path)
    # MLflow keeps one store per tracking URI string for the process: the default relative
    # sqlite:///mlflow.db would go on writing to the directory of the first test that used it.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run("FAILED")
    mlflow.set_tracking_uri(None)


@pytest.fixture
def mlflow_tracking_uri() -> Iterator[None]:
    """For tests that set MLflow's tracking URI, process-wide (``hokusai://`` examples): it is
    put back to MLflow's default afterwards. The ``hokusai`` scheme is registered by hand,
    as the floor venv runs this source tree without its installed entry points."""
    import mlflow

    from hokusai import uri_scheme

    uri_scheme.register()
    try:
        yield
    finally:
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
