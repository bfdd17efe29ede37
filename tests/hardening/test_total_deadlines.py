"""Every request the SDK makes has a total deadline, and answers it reads have a size cap.

``requests`` bounds each socket read, so a server that sends a byte now and then holds a call
for as long as it likes, and an endless answer to the connectivity check kept a thread reading
after the check had given up. The servers here are loopback sockets that do exactly that; the
tests wait (with a generous limit) for the server to see the client hang up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from hokusai import ModelRegistry
from hokusai.container import Container
from hokusai.errors import RegistryUnavailableError
from hokusai.transport.classify import ErrorContext
from hokusai.transport.http_bounds import MIN_TRANSFER_RATE, RegistryTransport
from tests.conftest import KEYS
from tests.hardening.loopback import (
    PROBE_PATH,
    Behaviour,
    LoopbackServer,
    Servers,
    endless,
    probe_ok,
    stall,
    trickle,
)

# How long a test waits for the client to hang up; the deadlines under test are 1-2 s.
HANG_UP_LIMIT = 20.0


@pytest.fixture
def serve() -> Iterator[Servers]:
    with Servers() as servers:
        yield servers


def probe_against(server: LoopbackServer, probe_timeout: float = 1.0) -> Any:
    container = Container()
    container.arguments.override(
        {
            "tracking_uri": server.url,
            "api_key": KEYS["alice"],
            "mode": "remote",
            "probe_timeout": probe_timeout,
        }
    )
    return container.probe()


def test_a_trickled_probe_answer_ends_at_the_probe_deadline_and_the_request_with_it(
    serve: Servers,
) -> None:
    server = serve(trickle)
    outcome = probe_against(server).check()

    # The request is abandoned, not left reading in a thread: the server sees the hang-up.
    [exchange] = server.wait_for(1, PROBE_PATH)
    assert exchange.hung_up.wait(HANG_UP_LIMIT), "the probe kept reading the trickle"
    assert outcome.result.verdict == "unreachable"
    assert isinstance(outcome.error, RegistryUnavailableError)
    assert isinstance(outcome.error, ConnectionError)
    assert outcome.error.reason == "timeout"
    assert "HOKUSAI_PROBE_TIMEOUT" in str(outcome.error)


def test_an_oversized_probe_answer_is_cut_off_at_the_cap(serve: Servers) -> None:
    server = serve(endless)
    outcome = probe_against(server, probe_timeout=30).check()

    assert outcome.result.verdict == "unreachable"
    assert isinstance(outcome.error, RegistryUnavailableError)
    assert outcome.error.reason == "oversized-answer"
    assert "HOKUSAI_TRACKING_URI" in str(outcome.error)
    [exchange] = server.wait_for(1, PROBE_PATH)
    assert exchange.hung_up.wait(HANG_UP_LIMIT), "the probe kept reading the endless answer"
    # One megabyte is the cap; socket buffers hold a few more in flight, not hundreds.
    assert exchange.sent < 16 * 1024 * 1024


@pytest.mark.parametrize("behaviour", [trickle, stall], ids=["trickle", "stall"])
def test_a_registry_call_ends_at_the_request_deadline(serve: Servers, behaviour: Behaviour) -> None:
    server = serve(behaviour, {PROBE_PATH: probe_ok})
    registry = ModelRegistry(server.url, api_key=KEYS["alice"], mode="remote", request_timeout=1)

    with pytest.raises(RegistryUnavailableError) as raised:
        registry.get_model_version("churn", 1)

    [exchange] = server.wait_for(1, "/api/2.0/mlflow/model-versions")
    assert exchange.hung_up.wait(HANG_UP_LIMIT), "the call kept the connection open"
    assert isinstance(raised.value, ConnectionError)
    assert raised.value.reason == "timeout"
    # What happened and what to do about it.
    assert "did not finish answering" in str(raised.value)
    assert "HOKUSAI_REQUEST_TIMEOUT" in str(raised.value)


class _SilentSession(requests.Session):
    """A session whose socket read timeout fires before the total deadline's watchdog does,
    as it can on a loaded machine when both are set to the same number of seconds."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        raise requests.exceptions.ReadTimeout(f"Read timed out. (read timeout={kwargs['timeout']})")


def test_a_call_says_the_same_whichever_of_its_two_timeouts_fires_first(serve: Servers) -> None:
    server = serve(stall)
    transport = RegistryTransport(
        server.url, timeout=1, context=ErrorContext(server.url), session=_SilentSession()
    )

    with pytest.raises(RegistryUnavailableError) as raised:
        transport.answer("GET", "/api/2.0/mlflow/model-versions/get")

    assert raised.value.reason == "timeout"
    assert "did not finish answering GET /api/2.0/mlflow/model-versions/get within 1 s" in str(
        raised.value
    )
    assert "HOKUSAI_REQUEST_TIMEOUT" in str(raised.value)


def test_an_upload_the_registry_never_answers_ends_at_the_read_timeout_and_says_so(
    serve: Servers, tmp_path: Path
) -> None:
    server = serve(stall)
    transport = RegistryTransport(server.url, timeout=1, context=ErrorContext(server.url))
    weights = tmp_path / "weights.bin"
    # Its total budget is 1 s plus 5 s for the transfer: the 1 s read timeout ends it first.
    weights.write_bytes(b"\0" * 5 * MIN_TRANSFER_RATE)

    with pytest.raises(RegistryUnavailableError) as raised:
        transport.upload("/api/2.0/mlflow-artifacts/artifacts/1/weights.bin", weights)

    [exchange] = server.wait_for(1, "/api/2.0/mlflow-artifacts")
    assert exchange.hung_up.wait(HANG_UP_LIMIT), "the upload kept the connection open"
    assert raised.value.reason == "timeout"
    assert "sent nothing for 1 s" in str(raised.value)
    assert "HOKUSAI_REQUEST_TIMEOUT" in str(raised.value)
