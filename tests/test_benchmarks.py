"""The benchmark harness itself: statistics, verdicts, the table, the request listing.

Made-up samples only; nothing here is timed (the suite runs with ``nox -s bench``).
"""

from __future__ import annotations

import pytest

from benchmarks import http_requests
from benchmarks.rows import cross_key
from benchmarks.table import Check, Failed, Goal, Kind, Row, Sample, interleave, render
from fixtures.real_server import RequestRecord

MOUNT = "/api/mlflow/api/2.0/mlflow"


def test_sample_reports_median_min_and_max_of_its_runs() -> None:
    sample = Sample((0.9, 0.1, 0.4, 0.3))
    assert (sample.median, sample.low, sample.high) == (pytest.approx(0.35), 0.1, 0.9)


def test_a_sample_needs_a_run() -> None:
    with pytest.raises(ValueError):
        Sample(())


def test_runs_interleave_the_sides_taking_turns_at_going_first() -> None:
    assert interleave(3, "sdk", "raw") == ["sdk", "raw", "raw", "sdk", "sdk", "raw"]


@pytest.mark.parametrize(
    ("sdk", "raw", "passed"),
    [((0.2, 0.3, 0.25), (1.0, 0.5, 0.6), True), ((0.4, 0.3), (0.6, 0.5), False)],
)
def test_ratio_goal_compares_medians(
    sdk: tuple[float, ...], raw: tuple[float, ...], passed: bool
) -> None:
    row = Row("job", Goal("<= 0.5", Kind.RATIO_AT_MOST, 0.5), Sample(sdk), Sample(raw))
    assert row.passed is passed


def test_throughput_goal_is_raw_time_over_sdk_time() -> None:
    goal = Goal(">= 0.95x", Kind.THROUGHPUT_AT_LEAST, 0.95)
    # The SDK takes 5% longer than raw: throughput 0.952x, just enough.
    assert Row("up", goal, Sample((10.5,)), Sample((10.0,))).passed
    assert not Row("up", goal, Sample((11.0,)), Sample((10.0,))).passed
    assert Row("up", goal, Sample((10.5,)), Sample((10.0,))).ratio_text == "0.95x thr"


def test_seconds_goal_ignores_the_raw_side() -> None:
    goal = Goal("<= 0.05 s", Kind.SECONDS_AT_MOST, 0.05)
    assert Row("closed", goal, Sample((0.01, 0.02)), Sample((10.0,), at_least=True)).passed
    assert not Row("closed", goal, Sample((0.06, 0.07))).passed


def test_a_failing_check_makes_the_row_miss_whatever_the_timing() -> None:
    row = Row(
        "threads",
        Goal("fast", Kind.RATIO_AT_MOST, 10.0),
        Sample((0.1,)),
        Sample((1.0,)),
        checks=[Check("cross-key uploads 1", ok=False)],
    )
    assert not row.passed
    assert "FAILS: cross-key uploads 1" in render([row])


def test_a_ratio_against_a_capped_raw_run_is_an_upper_bound() -> None:
    row = Row(
        "silent", Goal("", Kind.SECONDS_AT_MOST, 4), Sample((3.0,)), Sample((10.0,), at_least=True)
    )
    assert row.ratio_text == "<=0.30"
    assert ">=10.00s (n=1)" in render([row])


def test_table_has_one_line_per_row_with_verdicts() -> None:
    rows: list[Row | Failed] = [
        Row(
            "fast",
            Goal("ratio <= 0.5", Kind.RATIO_AT_MOST, 0.5),
            Sample((0.1, 0.2, 0.3)),
            Sample((1.0, 1.0, 1.2)),
        ),
        Row("slow", Goal("ratio <= 0.5", Kind.RATIO_AT_MOST, 0.5), Sample((0.9,)), Sample((1.0,))),
        Failed("lookups", Goal("-", Kind.CHECKS_ONLY), "server did not start"),
    ]
    lines = render(rows).splitlines()
    assert lines[0].startswith("| job |")
    assert lines[2] == (
        "| fast | 200ms [100ms-300ms] n=3 | raw MLflow: 1.00s [1.00s-1.20s] n=3 | 0.20 "
        "| ratio <= 0.5 | PASS |"
    )
    assert lines[3].endswith("| MISS |") and lines[3].startswith("| slow |")
    assert lines[4].startswith("| lookups | failed |") and lines[4].endswith("| MISS |")
    assert "- lookups: failed: server did not start" in lines


@pytest.mark.parametrize(
    ("method", "path", "what"),
    [
        ("GET", f"{MOUNT}/model-versions/search", "search versions by idempotency key"),
        ("POST", f"{MOUNT}/runs/create", "create the registration run"),
        ("POST", f"{MOUNT}/logged-models", "create the logged model"),
        ("PATCH", f"{MOUNT}/logged-models/m-123", "mark the logged model READY"),
        (
            "PUT",
            "/api/mlflow/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts/MLmodel",
            "upload one model file",
        ),
        ("GET", "/api/mlflow/ajax-api/2.0/mlflow/model-versions/get", "read the version back"),
    ],
)
def test_registration_requests_are_named(method: str, path: str, what: str) -> None:
    explained = http_requests.explain(method, path)
    assert explained.what == what and explained.explained


def test_reading_the_logged_model_back_during_a_registration_is_unexplained() -> None:
    # The logged model's create answers its artifact location: a registration that reads it
    # back makes a request its result does not need, and the registration row misses.
    assert not http_requests.explain("GET", f"{MOUNT}/logged-models/m-123").explained


def test_an_unknown_request_is_listed_as_unexplained() -> None:
    explained = http_requests.explain_all([("DELETE", f"{MOUNT}/experiments/delete")])
    assert not explained[0].explained
    assert http_requests.listing(explained) == [
        "DELETE not explained: UNEXPLAINED (experiments/delete)"
    ]


def test_listing_counts_repeats_in_first_seen_order() -> None:
    upload = "/api/mlflow/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts/"
    explained = http_requests.explain_all(
        [
            ("GET", f"{MOUNT}/model-versions/search"),
            ("PUT", upload + "MLmodel"),
            ("PUT", upload + "model.skops"),
            ("GET", f"{MOUNT}/model-versions/search"),
        ]
    )
    lines = http_requests.listing(explained)
    assert [line.split(":")[0] for line in lines] == [
        "GET search versions by idempotency key x2",
        "PUT upload one model file x2",
    ]


def _record(path: str, user: str | None) -> RequestRecord:
    return RequestRecord("PUT", path, 200, True, user is not None, None, user, 1.0, 0.0)


def test_cross_key_counts_uploads_into_the_other_keys_experiment() -> None:
    records = [
        _record("/api/mlflow/api/2.0/mlflow-artifacts/artifacts/7/models/m/artifacts/a", "alice"),
        _record("/api/mlflow/api/2.0/mlflow-artifacts/artifacts/8/models/m/artifacts/a", "alice"),
        _record("/api/mlflow/api/2.0/mlflow-artifacts/artifacts/8/models/m/artifacts/b", "bob"),
        _record(f"{MOUNT}/runs/create", None),
    ]
    crossed, keyless, per_user = cross_key(records, {"alice": "7", "bob": "8"})
    assert (crossed, keyless, per_user) == (1, 1, {"alice": 2, "bob": 1})
