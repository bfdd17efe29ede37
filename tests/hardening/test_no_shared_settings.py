"""Each registry's timeout is its own, and the user's MLflow code keeps its own settings.

The SDK used to put ``MLFLOW_HTTP_REQUEST_MAX_RETRIES=0`` and its timeout into ``os.environ``
while any call ran: a second registry got the first one's timeout, and the user's own MLflow
code in other threads lost its retries. Here two registries with different timeouts and plain
``MlflowClient`` code run side by side against loopback servers.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mlflow import MlflowClient

from hokusai import ModelRegistry
from hokusai.errors import RegistryUnavailableError
from tests.conftest import KEYS
from tests.hardening.loopback import (
    PROBE_PATH,
    Behaviour,
    Peer,
    Servers,
    probe_ok,
    stall,
)

VERSIONS_PATH = "/api/2.0/mlflow/model-versions"
WAIT_LIMIT = 60.0


@pytest.fixture
def serve() -> Iterator[Servers]:
    with Servers() as servers:
        yield servers


def unavailable_once_then_slow() -> Behaviour:
    """A 503 (MLflow retries it by default), then a correct answer after two seconds (within
    MLflow's default timeout, beyond a 1 s one)."""
    calls = itertools.count()

    def behave(peer: Peer) -> None:
        if next(calls) == 0:
            peer.answer(503, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"})
            return
        time.sleep(2)
        peer.answer(200, {"registered_model": {"name": "churn"}})

    return behave


class Call(threading.Thread):
    """Runs ``fn`` in a thread and keeps what it raised."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._fn = fn
        self.raised: BaseException | None = None

    def run(self) -> None:
        try:
            self._fn()
        except BaseException as exc:
            self.raised = exc


def stalled_registry(serve: Servers, timeout: float) -> Any:
    server = serve(stall, {PROBE_PATH: probe_ok})
    registry = ModelRegistry(
        server.url, api_key=KEYS["alice"], mode="remote", request_timeout=timeout
    )
    return server, registry


def test_registries_keep_their_own_timeouts_and_mlflow_code_keeps_its_retries(
    serve: Servers,
) -> None:
    fast_server, fast = stalled_registry(serve, 1)
    slow_server, slow = stalled_registry(serve, 5)
    users_server = serve(unavailable_once_then_slow())

    calls = [
        Call(lambda: fast.get_model_version("a", 1)),
        Call(lambda: slow.get_model_version("b", 1)),
    ]
    for call in calls:
        call.start()
    [fast_exchange] = fast_server.wait_for(1, VERSIONS_PATH)
    [slow_exchange] = slow_server.wait_for(1, VERSIONS_PATH)

    # While both registries wait on their servers: the user's own MLflow code, with MLflow's
    # defaults, retries the 503 and waits out the slow answer.
    users_client = MlflowClient(tracking_uri=users_server.url, registry_uri=users_server.url)
    assert users_client.get_registered_model("churn").name == "churn"
    assert len(users_server.exchanges) == 2

    for call in calls:
        call.join(WAIT_LIMIT)
    fast_error, slow_error = (call.raised for call in calls)
    assert isinstance(fast_error, RegistryUnavailableError) and fast_error.reason == "timeout"
    assert isinstance(slow_error, RegistryUnavailableError) and slow_error.reason == "timeout"
    assert "within 1 s" in str(fast_error)
    assert "within 5 s" in str(slow_error)
    # The 5 s registry waited its own 5 s however the 1 s one fared (a deadline never fires
    # early, so this lower bound holds on a loaded machine), and the 1 s one gave up first.
    # The server notices each hang-up in its own thread, a moment after the client gave up.
    assert fast_exchange.hung_up.wait(WAIT_LIMIT) and slow_exchange.hung_up.wait(WAIT_LIMIT)
    assert slow_exchange.open_for() >= 4
    assert fast_exchange.closed is not None and slow_exchange.closed is not None
    assert fast_exchange.closed < slow_exchange.closed


def test_the_environment_is_the_same_before_during_and_after_a_call(
    serve: Servers,
) -> None:
    server, registry = stalled_registry(serve, 2)
    before = dict(os.environ)

    call = Call(lambda: registry.get_model_version("churn", 1))
    call.start()
    server.wait_for(1, VERSIONS_PATH)
    during = dict(os.environ)  # sampled from this thread while the call waits on the server
    call.join(WAIT_LIMIT)

    assert isinstance(call.raised, RegistryUnavailableError)
    assert during == before
    assert dict(os.environ) == before
