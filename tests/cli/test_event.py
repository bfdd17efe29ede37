"""``hokusai event send``: resend a registration event that failed; nothing is registered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hokusai import ModelRegistry
from hokusai.cli.output import EXIT_ERROR, EXIT_OK
from hokusai.errors import NotificationError
from hokusai.testing.faults import Fault
from tests.cli.conftest import Cli
from tests.conftest import KEYS


def failed_event(fake: Any, model_dir: Path) -> None:
    fake.inject(Fault.event_not_emitted(), path="tokenized-registration-events")
    reg = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    try:
        reg.register_tokenized_model(str(model_dir), "msg", "MSG-AI", "reply_rate", 0.1)
    except NotificationError:
        return
    raise AssertionError("the event did not fail")


def test_event_send_resends_the_event_of_a_registered_version(
    cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path, tmp_path: Path
) -> None:
    use_fake(KEYS["alice"])
    failed_event(fake, sk_model_dir)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"inputSchema": {"type": "object"}}))

    result = cli("event", "send", "msg", "1", "--api-schema", str(schema))

    assert result.code == EXIT_OK
    assert "Registration event of msg version 1 sent." in result.out
    (event,) = fake.registration_events
    assert (event.model_name, event.version) == ("msg", "1")
    assert event.payload["api_schema"] == {"inputSchema": {"type": "object"}}
    assert len(fake.model_versions("msg")) == 1


def test_event_send_says_what_failed_and_exits_1(
    cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path
) -> None:
    use_fake(KEYS["alice"])
    failed_event(fake, sk_model_dir)
    fake.inject(Fault.event_not_emitted(), path="tokenized-registration-events")

    result = cli("event", "send", "msg", "1")

    assert result.code == EXIT_ERROR
    assert "NotificationError" in result.err and "IS registered" in result.err
    assert "hokusai event send msg 1" in result.err
    assert fake.registration_events == []


def test_event_send_json(cli: Cli, fake: Any, use_fake: Any, sk_model_dir: Path) -> None:
    use_fake(KEYS["alice"])
    failed_event(fake, sk_model_dir)
    result = cli("event", "send", "msg", "1", "--json")
    assert json.loads(result.out) == {"model_name": "msg", "version": "1", "event_emitted": True}
