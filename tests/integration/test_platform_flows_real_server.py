"""The platform's documented flows against a real ``mlflow server`` behind the bearer proxy.

Set up as the pages tell the reader: ``HOKUSAI_API_KEY``, with only the registry's address
swapped for the stack's. Each tokenized registration must reach the proxy's event route once.
"""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.real_server import RealServer
from tests.compat import platform_flows
from tests.compat.test_platform_flows import (
    PAGE_SETS_THE_TOKEN,
    SKOPS_REFUSES_RANDOM_FOREST,
    Stack,
    check_cli_flow,
    check_cli_flow_refused,
    check_option_b,
    check_option_c,
    check_quickstart,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def real_stack(
    live_server: RealServer, monkeypatch: pytest.MonkeyPatch, mlflow_global_restored: None
) -> Stack:
    key = live_server.key_for("alice")
    monkeypatch.setenv("HOKUSAI_API_KEY", key)
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)  # undone after the test
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", live_server.tracking_uri)
    return Stack(live_server.tracking_uri, key, live_server.registration_events)


@pytest.mark.parametrize("flow", sorted(platform_flows.CLI_FLOWS))
def test_the_pages_cli_flow(
    flow: str, real_stack: Stack, sk_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    check_cli_flow(real_stack, flow, sk_model, capsys)


@pytest.mark.parametrize("flow", sorted(platform_flows.CLI_FLOWS_REFUSED))
def test_the_pages_cli_flow_that_cannot_run_is_refused_with_why(
    flow: str, real_stack: Stack, sk_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(real_stack.events())
    check_cli_flow_refused(flow, sk_model, capsys)
    assert len(real_stack.events()) == before


@SKOPS_REFUSES_RANDOM_FOREST
def test_the_quickstart_sdk_flow(real_stack: Stack) -> None:
    check_quickstart(real_stack)


@PAGE_SETS_THE_TOKEN
@SKOPS_REFUSES_RANDOM_FOREST
def test_the_registration_guide_option_b(real_stack: Stack) -> None:
    check_option_b(real_stack)


@PAGE_SETS_THE_TOKEN
@SKOPS_REFUSES_RANDOM_FOREST
def test_the_registration_guide_option_c_tags_the_run_not_the_version(real_stack: Stack) -> None:
    check_option_c(real_stack)
