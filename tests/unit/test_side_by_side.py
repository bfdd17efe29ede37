"""Requests sent side by side behave as if sent one after another: same context, results in
order, and a failure classified by its own answer."""

from __future__ import annotations

import contextvars
import threading

import pytest
import requests

from hokusai.transport import http_trace
from hokusai.transport.side_by_side import run_all

_who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def answer(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = "https://registry.example/api/2.0/mlflow/x"
    response.request = requests.Request("GET", response.url).prepare()
    response._content = b'{"error_code": "X"}'
    return response


def test_each_call_sees_the_callers_context_and_results_come_in_order() -> None:
    token = _who.set("alice")
    try:
        results = run_all([lambda n=n: f"{_who.get()}-{n}" for n in range(5)], at_most=3)
    finally:
        _who.reset(token)
    assert results == [f"alice-{n}" for n in range(5)]


def test_the_failure_raised_is_classified_by_its_own_answer_not_a_later_one() -> None:
    failed = threading.Event()

    def refused() -> None:
        log = http_trace.current()
        assert log is not None
        log.record(answer(403))
        failed.set()
        raise RuntimeError("refused")

    def handled_404_after() -> None:
        # A lookup whose 404 is expected (and handled) answers after the refusal.
        failed.wait(5)
        log = http_trace.current()
        assert log is not None
        log.record(answer(404))

    with http_trace.traced() as log, pytest.raises(RuntimeError, match="refused"):
        run_all([refused, handled_404_after], at_most=2)

    assert log.last_error is not None and log.last_error.status == 403


def test_one_call_at_a_time_stops_at_the_first_failure() -> None:
    ran: list[int] = []

    def call(n: int) -> int:
        ran.append(n)
        if n == 1:
            raise ValueError(n)
        return n

    with pytest.raises(ValueError):
        run_all([lambda n=n: call(n) for n in range(3)], at_most=1)
    assert ran == [0, 1]
