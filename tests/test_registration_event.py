"""The registration event: after a tokenized model lands on the hosted registry, the Hokusai site
is told, once, with the data pipeline API's payload; a failure says the model is registered."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from hokusai import ModelRegistry
from hokusai.errors import (
    InsecureTransportError,
    InvalidInputError,
    NotificationError,
)
from hokusai.sync import sync_pending
from hokusai.testing.fake_events import EVENTS_PATH, EventLimit
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

EVENTS = "tokenized-registration-events"
MEASURED = {
    "eval_spec": "technical_task_router/v1",
    "scorer_ref": "technical_task_router.success_under_budget/v1",
    "primary_metric": "success_under_budget",
    "benchmark_spec_id": "technical_task_router.success_under_budget/v1",
}


def registry(fake: Any, key: str = KEYS["alice"], **kwargs: Any) -> ModelRegistry:
    return ModelRegistry(fake.tracking_uri, api_key=key, **kwargs)


def tokenized(reg: ModelRegistry, model_dir: Path, name: str = "msg", **kwargs: Any) -> Any:
    return reg.register_tokenized_model(
        str(model_dir), name, "msg-ai", "reply_rate", 0.1342, {"team": "growth"}, **kwargs
    )


def event_posts(fake: Any) -> list[int | None]:
    return [r.status for r in fake.requests if r.path == EVENTS_PATH]


def test_the_event_carries_the_schemas_fields_and_the_version_its_tags(
    fake: Any, sk_model_dir: Path
) -> None:
    entry = tokenized(registry(fake), sk_model_dir, **MEASURED)

    (event,) = fake.registration_events
    body = event.payload
    assert (event.user, body["model_name"], body["version"]) == ("alice", "msg", entry.version)
    assert body["token_id"] == body["proposal_identifier"] == "MSG-AI"
    assert (body["metric_name"], body["baseline_value"]) == ("reply_rate", 0.1342)
    assert body["mlflow_run_id"] == entry.run_id
    assert body["model_uri"] == f"models:/msg/{entry.version}"
    assert {k: body[k] for k in MEASURED} == MEASURED
    assert body["tags"]["team"] == "growth"
    assert not any(k.startswith("hokusai.") for k in body["tags"])  # SDK bookkeeping stays home

    version = fake.model_versions("msg")[0]
    assert {
        k: version.tags[k]
        for k in (
            "hokusai_token_id",
            "benchmark_metric",
            "benchmark_value",
            "hokusai_status",
            "hokusai_proposal_identifier",
            *MEASURED,
        )
    } == {
        "hokusai_token_id": "MSG-AI",
        "benchmark_metric": "reply_rate",
        "benchmark_value": "0.1342",
        "hokusai_status": "registered",
        "hokusai_proposal_identifier": "MSG-AI",
        **MEASURED,
    }
    assert entry["proposal_identifier"] == "MSG-AI"
    assert entry["mlflow_run_id"] == entry.run_id
    assert (entry["status"], entry["site_status_update"], entry["event_emitted"]) == (
        "registered",
        "succeeded",
        True,
    )
    assert {k: entry[k] for k in MEASURED} == MEASURED


def test_a_runs_uri_gives_the_version_its_run_id_tag(fake: Any, sk_model_dir: Path) -> None:
    reg = registry(fake)
    base = reg.register_model(sk_model_dir, "trained")
    entry = reg.register_tokenized_model(
        f"runs:/{base.run_id}/model", "msg", "MSG-AI", "reply_rate", 0.2
    )
    assert fake.model_versions("msg")[0].tags["mlflow_run_id"] == base.run_id
    assert fake.registration_events[0].payload["mlflow_run_id"] == entry["mlflow_run_id"]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("eval_spec", "   ", "eval_spec must be a non-empty string"),
        ("scorer_ref", 3, "scorer_ref must be a non-empty string"),
        ("primary_metric", "x" * 501, "at most 500"),
        ("api_schema", "not-an-object", "api_schema must be a JSON object"),
        ("notification_timeout", 0, "notification_timeout must be"),
        ("best_effort_notification", "yes", "best_effort_notification must be True or False"),
    ],
)
def test_bad_event_options_are_refused_before_anything_is_registered(
    fake: Any, sk_model_dir: Path, field: str, value: object, says: str
) -> None:
    with pytest.raises(InvalidInputError, match=says):
        tokenized(registry(fake), sk_model_dir, **{field: value})
    assert fake.requests == []


def test_notify_site_false_sends_nothing(fake: Any, sk_model_dir: Path) -> None:
    entry = tokenized(registry(fake), sk_model_dir, notify_site=False)
    assert (entry["site_status_update"], entry["event_emitted"]) == ("skipped", False)
    assert event_posts(fake) == []


def test_a_failed_event_says_the_model_is_registered_and_how_to_resend(
    fake: Any, sk_model_dir: Path
) -> None:
    fake.inject(Fault.event_not_emitted(), path=EVENTS)
    reg = registry(fake)
    with pytest.raises(NotificationError) as caught:
        tokenized(reg, sk_model_dir)

    error = caught.value
    assert (error.status_code, error.mlflow_registered) == (502, True)
    assert (error.model_name, error.version) == ("msg", "1")
    assert "IS registered" in str(error) and "hand the event on" in str(error)
    assert "hokusai event send msg 1" in str(error)
    assert "send_registration_event('msg', '1')" in str(error)
    assert len(fake.model_versions("msg")) == 1  # registered, once
    assert fake.registration_events == []

    resent = reg.send_registration_event("msg", 1)
    assert resent["site_status_update"] == "succeeded"
    (event,) = fake.registration_events
    assert (event.model_name, event.version) == ("msg", "1")
    assert len(fake.model_versions("msg")) == 1  # nothing registered again


@pytest.mark.parametrize(
    ("fault", "status", "says"),
    [
        (Fault.invalid_key(), 401, "rejected the key"),
        (Fault.forbidden(), 403, "may not send registration events"),
        (Fault.status(422, json={"detail": [{"msg": "Field required"}]}), 422, "refused"),
    ],
)
def test_each_refusal_is_a_notification_error_with_its_status(
    fake: Any, sk_model_dir: Path, fault: Fault, status: int, says: str
) -> None:
    fake.inject(fault, path=EVENTS)
    with pytest.raises(NotificationError, match=says) as caught:
        tokenized(registry(fake), sk_model_dir)
    assert caught.value.status_code == status
    assert caught.value.response_body


def test_best_effort_turns_the_failure_into_a_warning_and_a_result_field(
    fake: Any, sk_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.inject(Fault.event_not_emitted(), path=EVENTS)
    with caplog.at_level(logging.WARNING, logger="hokusai"):
        entry = tokenized(registry(fake), sk_model_dir, best_effort_notification=True)

    assert (entry["site_status_update"], entry["event_emitted"]) == ("failed", False)
    assert "IS registered" in entry["notification_error"]
    assert entry.version == "1" and entry.target == "remote"
    assert "Registration event not delivered" in caplog.text


def test_a_429_is_waited_out_and_the_event_arrives_once(fake: Any, sk_model_dir: Path) -> None:
    fake.limit_events(EventLimit(requests=1, window=0.3, precise=True))
    reg = registry(fake)
    entries = [tokenized(reg, sk_model_dir, name=f"m{n}") for n in range(3)]

    assert [e["site_status_update"] for e in entries] == ["succeeded"] * 3
    assert sorted(e.model_name for e in fake.registration_events) == ["m0", "m1", "m2"]
    assert 429 in event_posts(fake)


def test_a_limit_past_the_retry_deadline_is_a_notification_error(
    fake: Any, sk_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.limit_events(EventLimit(requests=1, window=60.0))
    monkeypatch.setenv("HOKUSAI_RETRY_DEADLINE", "1")
    reg = registry(fake)
    tokenized(reg, sk_model_dir, name="first")
    with pytest.raises(NotificationError, match="rate limiting") as caught:
        tokenized(reg, sk_model_dir, name="second")
    assert caught.value.status_code == 429
    assert "HOKUSAI_RETRY_DEADLINE" in str(caught.value)


def test_the_key_goes_only_over_https_to_the_api(fake: Any, sk_model_dir: Path) -> None:
    with pytest.raises(InsecureTransportError, match="plain http"):
        tokenized(
            registry(fake), sk_model_dir, notification_api_endpoint="http://api.example.com/api"
        )
    assert fake.requests == []  # refused before the model was registered


def test_hokusai_api_url_names_the_api_when_no_endpoint_is_set(
    fake: Any, sk_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_API_URL", fake.base_url)  # the earlier SDK's bare domain form
    reg = registry(fake)
    assert reg.config.event_api.source == "environment variable HOKUSAI_API_URL"
    tokenized(reg, sk_model_dir)
    assert len(fake.registration_events) == 1


def test_an_event_endpoint_elsewhere_does_not_get_the_key_by_redirect(
    fake: Any, sk_model_dir: Path
) -> None:
    fake.inject(
        Fault.status(307, headers={"Location": "https://elsewhere.example/api/x"}), path=EVENTS
    )
    with pytest.raises(NotificationError, match="redirected") as caught:
        tokenized(registry(fake), sk_model_dir)
    assert caught.value.mlflow_registered
    assert event_posts(fake) == [307]  # not followed


def test_a_registration_kept_locally_queues_its_event_until_sync_pushes_it(
    fake: Any, sk_model_dir: Path
) -> None:
    fake.go_down()
    entry = tokenized(registry(fake), sk_model_dir, api_schema={"inputSchema": {"type": "object"}})
    assert entry.pending_sync
    assert (entry["site_status_update"], entry["event_emitted"]) == ("queued", False)
    fake.come_back()
    assert fake.registration_events == []

    report = sync_pending(registry(fake))
    assert [e.outcome for e in report.events] == ["sent"]
    (event,) = fake.registration_events
    remote = fake.model_versions("msg")[0]
    assert (event.model_name, event.version) == ("msg", str(remote.version))
    assert event.payload["api_schema"] == {"inputSchema": {"type": "object"}}
    assert report.complete

    again = sync_pending(registry(fake))
    assert again.events == ()
    assert len(fake.registration_events) == 1


def test_an_event_that_fails_during_sync_is_sent_by_the_next_sync_once(
    fake: Any, sk_model_dir: Path
) -> None:
    fake.go_down()
    tokenized(registry(fake), sk_model_dir)
    fake.come_back()
    fake.inject(Fault.event_not_emitted(), path=EVENTS)

    first = sync_pending(registry(fake))
    assert first.counts["pushed"] == 1
    assert [e.outcome for e in first.events] == ["failed"]
    assert not first.complete
    assert isinstance(first.events[0].error, NotificationError)

    second = sync_pending(registry(fake))
    assert second.items == ()  # the model was pushed already
    assert [e.outcome for e in second.events] == ["sent"]
    assert len(fake.registration_events) == 1
    assert len(fake.model_versions("msg")) == 1


def test_a_sweep_gets_every_event_through_exactly_once_under_the_limit(
    fake: Any, sk_model_dir: Path
) -> None:
    sweep = 200
    fake.go_down()
    reg = registry(fake)
    for n in range(sweep):
        tokenized(reg, sk_model_dir, name=f"sweep-{n}")
    fake.come_back()
    # Production allows 30 a minute; scaled down to 30 per 0.25 s the sweep meets it again and again.
    fake.limit_events(EventLimit(requests=30, window=0.25, precise=True))

    report = sync_pending(registry(fake), concurrency=8)

    assert report.complete
    taken = Counter(e.model_name for e in fake.registration_events)
    assert taken == Counter(f"sweep-{n}" for n in range(sweep))
    assert event_posts(fake).count(429) >= 1


def test_the_fake_answers_as_the_api_does(fake: Any) -> None:
    url = fake.events_url
    body = {
        "model_name": "m",
        "version": "1",
        "token_id": "T",
        "proposal_identifier": "T",
        "metric_name": "auc",
        "baseline_value": 0.5,
        "mlflow_run_id": "r",
    }
    auth = {"Authorization": f"Bearer {KEYS['alice']}"}
    assert requests.post(url, json=body, timeout=5).status_code == 401
    assert requests.post(url, json=body, headers={"Authorization": "Bearer nope"}, timeout=5).json()
    reader = {"Authorization": f"Bearer {KEYS['reader']}"}
    assert requests.post(url, json=body, headers=reader, timeout=5).status_code == 403
    for broken in (
        {k: v for k, v in body.items() if k != "mlflow_run_id"},
        {**body, "version": 1},
        {**body, "baseline_value": "inf"},
        {**body, "eval_spec": "  "},
        {**body, "scorer_ref": "x" * 501},
        {**body, "api_schema": "not-an-object"},
        {**body, "tags": {"n": 1}},
    ):
        answer = requests.post(url, json=broken, headers=auth, timeout=5)
        assert answer.status_code == 422, broken
        assert answer.json()["detail"][0]["loc"][0] == "body"
    ok = requests.post(url, json={**body, "model_name": " m "}, headers=auth, timeout=5)
    assert ok.json() == {
        "status": "ok",
        "model_id": "m/1/T",
        "model_name": "m",
        "version": "1",
        "event_emitted": True,
        "detail": None,
    }
    assert [(e.model_name, e.user) for e in fake.registration_events] == [("m", "alice")]
    fake.limit_events(EventLimit(requests=1, window=60.0))
    limited = requests.post(url, json=body, headers=auth, timeout=5)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 59
    assert len(fake.registration_events) == 1
