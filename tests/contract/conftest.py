"""One registry handle for the contract suite: the in-process fake, or the real stack.

``registry_under_test`` is parametrized over ``["fake", "real"]``; the real half is marked
``integration`` so the default run (``-m "not integration"``) only exercises the fake, and the
``integration`` nox session only the real server. Both halves see the same minimal interface:
``tracking_uri``, ``key_for(user)`` and ``client_as(user)`` (a raw ``MlflowClient`` presenting
that user's key), so every scenario runs unchanged against either.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import FIXTURES, KEYS

# A well-formed key that no registry knows: "invalid or expired".
UNKNOWN_KEY = "hk_live_" + "0" * 36


@dataclass
class RegistryUnderTest:
    """What a contract scenario may use, whichever registry is behind it."""

    kind: str  # "fake" or "real"
    tracking_uri: str
    # The MLflow whose server behaviour is under test: the installed one for the fake (its
    # rules come from there), the server's own for the real stack.
    mlflow_version: str
    _monkeypatch: pytest.MonkeyPatch
    # The server-side request log of this test as (method, path, status, user) rows, oldest first.
    _request_log: Callable[[], list[tuple[str, str, int | None, str | None]]]

    def key_for(self, user: str | None) -> str | None:
        """The key of ``user``; ``None`` for no key, ``"unknown"`` for a key nobody issued."""
        if user is None:
            return None
        return UNKNOWN_KEY if user == "unknown" else KEYS[user]

    def client_as(self, user: str | None) -> Any:
        """A plain ``MlflowClient`` on the registry, sending ``user``'s key as MLflow does.

        MLflow reads its token from the environment on every request, so the latest call
        decides the key of every raw client in the test.
        """
        from mlflow import MlflowClient

        for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            self._monkeypatch.delenv(name, raising=False)
        # Without this, a refused write would be retried with back-off (seconds per call).
        self._monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        key = self.key_for(user)
        if key is None:
            self._monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
        else:
            self._monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", key)
        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def request_log(self) -> list[tuple[str, str, int | None, str | None]]:
        return self._request_log()


@pytest.fixture(scope="session")
def contract_real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The real stack (mlflow server + proxy) for this directory's integration half.

    tests/integration has its own session stack; this one is separate so that outages played
    there never reach these tests.
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    from fixtures.real_server import RealServer

    server = RealServer(tmp_path_factory.mktemp("contract_real_server"), FIXTURES / "keys.json")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(
    params=["fake", pytest.param("real", marks=pytest.mark.integration)],
)
def registry_under_test(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RegistryUnderTest]:
    if request.param == "fake":
        import mlflow

        from hokusai.testing.fake_server import FakeRegistryServer
        from hokusai.testing.proxy_rules import load_keys

        with FakeRegistryServer(keys=load_keys(FIXTURES / "keys.json")) as server:
            yield RegistryUnderTest(
                "fake",
                server.tracking_uri,
                mlflow.__version__,
                monkeypatch,
                lambda: [(r.method, r.path, r.status, r.user) for r in server.requests],
            )
        return
    real = request.getfixturevalue("contract_real_server")
    if not real.is_up():
        real.restart()
    # The real stack lives for the session; its log starts where this test does, as the fake's
    # (one server per test) does, so no scenario sees another's requests whatever the order.
    first = len(real.requests())
    yield RegistryUnderTest(
        "real",
        real.tracking_uri,
        real.mlflow_version,
        monkeypatch,
        lambda: [(r.method, r.path, r.status, r.user) for r in real.requests()[first:]],
    )
