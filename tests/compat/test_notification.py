"""The earlier ``hokusai.core.notification``: scripts that built and sent a registration event
themselves keep working, against the data pipeline API's event route (the fake's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.core.notification import (
    DEFAULT_API_ENDPOINT,
    OPTIONAL_REGISTRATION_FIELDS,
    REGISTRATION_EVENT_PATH,
    build_pipeline_registration_event_url,
    build_registration_event_payload,
    notify_pipeline_of_registration,
    resolve_registration_event_api_endpoint,
)
from hokusai.errors import InsecureTransportError, InvalidInputError
from hokusai.exceptions import HokusaiException, NotificationError
from hokusai.testing.fake_events import EVENTS_PATH, EventLimit
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

EVENTS = "tokenized-registration-events"
# register_tokenized_model's result, as the earlier suite wrote it by hand.
SAMPLE_RESULT = {
    "model_name": "hokusai-HLEAD",
    "version": "7",
    "token_id": "HLEAD",
    "proposal_identifier": "HLEAD",
    "metric_name": "accuracy",
    "baseline_value": 0.10,
    "mlflow_run_id": "run-123",
    "status": "registered",
    "tags": {"proposal_identifier": "HLEAD", "hokusai_token_id": "HLEAD"},
}


def test_the_endpoint_helpers_build_the_earlier_urls() -> None:
    assert resolve_registration_event_api_endpoint("https://api.hokus.ai/api/") == (
        "https://api.hokus.ai/api"
    )
    assert build_pipeline_registration_event_url("https://api.hokus.ai/api") == (
        "https://api.hokus.ai/api/models/tokenized-registration-events"
    )
    assert build_pipeline_registration_event_url("https://registry.hokus.ai") == (
        f"https://registry.hokus.ai{REGISTRATION_EVENT_PATH}"
    )
    assert REGISTRATION_EVENT_PATH == EVENTS_PATH


def test_the_endpoint_is_the_argument_then_hokusai_api_endpoint_then_hokusai_api_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert resolve_registration_event_api_endpoint() == DEFAULT_API_ENDPOINT
    monkeypatch.setenv("HOKUSAI_API_URL", "https://url.example/")
    assert resolve_registration_event_api_endpoint() == "https://url.example"
    monkeypatch.setenv("HOKUSAI_API_ENDPOINT", "https://endpoint.example/api")
    assert resolve_registration_event_api_endpoint() == "https://endpoint.example/api"
    assert resolve_registration_event_api_endpoint("") == "https://endpoint.example/api"
    assert resolve_registration_event_api_endpoint("https://arg.example") == "https://arg.example"


def test_the_payload_has_the_earlier_shape() -> None:
    payload = build_registration_event_payload(
        {**SAMPLE_RESULT, "version": 7, "eval_spec": "spec/v1", "scorer_ref": None},
        api_schema={"inputSchema": {"type": "object"}},
    )
    assert payload == {
        **{k: v for k, v in SAMPLE_RESULT.items() if k != "status"},
        "model_uri": "models:/hokusai-HLEAD/7",
        "eval_spec": "spec/v1",
        "api_schema": {"inputSchema": {"type": "object"}},
    }
    assert set(OPTIONAL_REGISTRATION_FIELDS) == {
        "eval_spec",
        "scorer_ref",
        "primary_metric",
        "benchmark_spec_id",
    }
    given = build_registration_event_payload(SAMPLE_RESULT, model_uri="runs:/r/model")
    assert given["model_uri"] == "runs:/r/model"


def test_a_result_without_a_required_field_is_refused_before_any_request() -> None:
    result = {k: v for k, v in SAMPLE_RESULT.items() if k != "mlflow_run_id"}
    with pytest.raises(InvalidInputError, match="mlflow_run_id") as caught:
        build_registration_event_payload(result)
    assert isinstance(caught.value, ValueError)


def test_notify_posts_the_payload_with_the_key_and_returns_the_apis_answer(fake: Any) -> None:
    payload = build_registration_event_payload(SAMPLE_RESULT, model_uri="models:/hokusai-HLEAD/7")

    answer = notify_pipeline_of_registration(payload, api_key=KEYS["alice"])

    (event,) = fake.registration_events
    assert event.user == "alice"
    assert (event.payload["version"], event.payload["model_uri"]) == ("7", payload["model_uri"])
    assert answer["event_emitted"] is True and answer["model_name"] == "hokusai-HLEAD"


def test_the_payload_of_a_registered_tokenized_model_is_accepted(
    fake: Any, sk_model_dir: Path
) -> None:
    reg = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    entry = reg.register_tokenized_model(
        str(sk_model_dir), "msg", "msg-ai", "reply_rate", 0.5, notify_site=False
    )
    payload = build_registration_event_payload(entry, api_schema={"a": 1})

    notify_pipeline_of_registration(payload, api_key=KEYS["alice"], api_endpoint=fake.base_url)

    (event,) = fake.registration_events
    assert event.payload["model_uri"] == f"models:/msg/{entry.version}"
    assert (event.payload["token_id"], event.payload["mlflow_run_id"]) == ("MSG-AI", entry.run_id)


def test_a_transport_failure_has_no_status_code(fake: Any) -> None:
    fake.go_down()
    payload = build_registration_event_payload(SAMPLE_RESULT)
    with pytest.raises(NotificationError) as caught:
        notify_pipeline_of_registration(payload, api_key=KEYS["alice"])
    assert caught.value.status_code is None
    assert caught.value.mlflow_registered is True


def test_an_http_error_keeps_a_bounded_body_and_is_the_earlier_error_type(fake: Any) -> None:
    fake.inject(Fault.text(400, "x" * 1200), path=EVENTS)
    payload = build_registration_event_payload(SAMPLE_RESULT)
    with pytest.raises(NotificationError) as caught:
        notify_pipeline_of_registration(payload, api_key=KEYS["alice"], timeout=5)
    error = caught.value
    assert (error.status_code, error.response_body) == (400, "x" * 1000)
    assert error.mlflow_registered is True
    assert isinstance(error, HokusaiException)
    assert KEYS["alice"] not in f"{error} {error!r} {error.response_body}"


def test_an_answer_that_is_not_json_is_returned_as_raw_response(fake: Any) -> None:
    fake.inject(Fault.text(200, "accepted"), path=EVENTS)
    payload = build_registration_event_payload(SAMPLE_RESULT)
    assert notify_pipeline_of_registration(payload, api_key=KEYS["alice"]) == {
        "raw_response": "accepted"
    }


def test_no_key_is_a_notification_error_and_nothing_is_sent(fake: Any) -> None:
    payload = build_registration_event_payload(SAMPLE_RESULT)
    with pytest.raises(NotificationError, match="no API key") as caught:
        notify_pipeline_of_registration(payload, api_key="")
    assert caught.value.mlflow_registered is True
    assert [r for r in fake.requests if r.path == EVENTS_PATH] == []


def test_the_key_is_not_sent_over_plain_http_to_another_host() -> None:
    payload = build_registration_event_payload(SAMPLE_RESULT)
    with pytest.raises(InsecureTransportError, match="plain http") as caught:
        notify_pipeline_of_registration(
            payload, api_key=KEYS["alice"], api_endpoint="http://api.example.com"
        )
    assert KEYS["alice"] not in str(caught.value)


def test_a_429_is_waited_out(fake: Any) -> None:
    fake.limit_events(EventLimit(requests=1, window=0.3, precise=True))
    for version in ("1", "2"):
        payload = build_registration_event_payload({**SAMPLE_RESULT, "version": version})
        notify_pipeline_of_registration(payload, api_key=KEYS["alice"])
    assert [e.payload["version"] for e in fake.registration_events] == ["1", "2"]
    assert 429 in [r.status for r in fake.requests if r.path == EVENTS_PATH]
