"""How the registry treats what it accepts: truncation, odd numbers, timestamps, JSON shapes.

Also the few places where the fake deliberately answers differently from a real server; each
is listed, with its reason, in docs/testing.md ("Where the fake differs").
"""

from __future__ import annotations

import math
import sys
import time

import pytest

from hokusai.support.mlflow_version import release
from tests.contract.api import Api, Case, outcome, unique
from tests.contract.cases import INVALID, OK, metric, on_experiment, on_run
from tests.contract.conftest import RegistryUnderTest


def alice(target: RegistryUnderTest) -> Api:
    return Api(target.tracking_uri, target.key_for("alice"))


def test_long_param_and_tag_values_are_truncated_not_refused(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    run_id = api.run()

    api.ok("POST", "runs/log-parameter", {"run_id": run_id, "key": "p", "value": "v" * 6500})
    api.ok("POST", "runs/set-tag", {"run_id": run_id, "key": "t", "value": "w" * 8500})
    batch = {"run_id": run_id, "params": [{"key": "q", "value": "x" * 7000}]}
    api.ok("POST", "runs/log-batch", batch)

    data = api.ok("GET", "runs/get", params={"run_id": run_id})["run"]["data"]
    params = {p["key"]: p["value"] for p in data["params"]}
    tags = {t["key"]: t["value"] for t in data["tags"]}
    assert (params["p"], params["q"], tags["t"]) == ("v" * 6000, "x" * 6000, "w" * 8000)


def test_non_finite_metrics_reach_the_client(registry_under_test: RegistryUnderTest) -> None:
    client = registry_under_test.client_as("alice")
    experiment_id = client.create_experiment(unique("nan"))
    run_id = client.create_run(experiment_id).info.run_id

    client.log_metric(run_id, "loss", float("nan"), timestamp=1)
    client.log_metric(run_id, "gain", float("inf"), timestamp=1)
    client.log_metric(run_id, "drop", float("-inf"), timestamp=1)

    metrics = client.get_run(run_id).data.metrics
    assert math.isnan(metrics["loss"])
    # MLflow's SQL store keeps NaN but stores infinities as the largest finite doubles.
    assert (metrics["gain"], metrics["drop"]) == (sys.float_info.max, -sys.float_info.max)
    assert math.isnan(client.get_metric_history(run_id, "loss")[0].value)
    raw = alice(registry_under_test).call("GET", "runs/get", params={"run_id": run_id}).text
    assert '"NaN"' in raw


# operation -> does it move the registered model's last_updated_timestamp?
MODEL_TOUCHES = {
    "set-tag": ("POST", "registered-models/set-tag", {"key": "k", "value": "v"}, False),
    "update": ("PATCH", "registered-models/update", {"description": "d"}, True),
    "alias": ("POST", "registered-models/alias", {"alias": "a", "version": "1"}, False),
    "version-tag": (
        "POST",
        "model-versions/set-tag",
        {"version": "1", "key": "k", "value": "v"},
        False,
    ),
}


@pytest.mark.parametrize("operation", list(MODEL_TOUCHES))
def test_which_writes_move_a_models_update_time(
    registry_under_test: RegistryUnderTest, operation: str
) -> None:
    method, path, fields, moves = MODEL_TOUCHES[operation]
    api = alice(registry_under_test)
    name, _ = api.version()
    before = api.ok("GET", "registered-models/get", params={"name": name})["registered_model"]
    time.sleep(0.01)  # timestamps are in milliseconds

    api.ok(method, path, {"name": name, **fields})

    after = api.ok("GET", "registered-models/get", params={"name": name})["registered_model"]
    moved = after["last_updated_timestamp"] > before["last_updated_timestamp"]
    assert moved is moves
    assert after["creation_timestamp"] == before["creation_timestamp"]


def test_json_shapes(registry_under_test: RegistryUnderTest) -> None:
    api = alice(registry_under_test)
    run_id = api.run()
    name = api.model()

    run = api.ok("GET", "runs/get", params={"run_id": run_id})["run"]
    model = api.ok("GET", "registered-models/get", params={"name": name})["registered_model"]
    nothing = api.ok("GET", "model-versions/search", params={"filter": "name='no-such-model'"})
    no_models = api.ok("GET", "registered-models/search", params={"filter": "name='nothing'"})

    # Protobuf JSON: empty lists are left out, and empty messages stay as {}.
    assert sorted(run) == ["data", "info", "inputs", "outputs"]
    assert run["inputs"] == {} and run["outputs"] == {}
    assert sorted(run["data"]) == ["tags"]
    assert sorted(model) == ["creation_timestamp", "last_updated_timestamp", "name"]
    assert nothing == {} and no_models == {}


# Deliberate differences: requests whose fields do not fit MLflow's proto message. The server
# ignores a failed parse unless the endpoint's own schema checks that field, and goes on with
# what it could read; the fake refuses them all (400), so a test never passes on a malformed
# request that production would half-apply.
STRICTER: dict[str, Case] = {
    "metric-step-fraction": Case(INVALID, on_run("runs/log-metric", **metric(step=1.5))),
    "run-tags-not-a-list": Case(INVALID, on_experiment("POST", "runs/create", tags="x")),
}


@pytest.mark.parametrize("case", list(STRICTER))
def test_fake_is_stricter_on_malformed_fields(
    registry_under_test: RegistryUnderTest, case: str
) -> None:
    response = STRICTER[case].act(alice(registry_under_test))

    expected = STRICTER[case].expected if registry_under_test.kind == "fake" else OK
    assert outcome(response) == expected, response.text[:300]


# -- field spellings and server-info (issue 19 follow-up; measured on 3.9.0 and 3.17.2) ----------
def on_3_9(target: RegistryUnderTest) -> bool:
    return release(target.mlflow_version)[:2] == (3, 9)


def test_a_field_given_by_its_json_name_alone_is_read(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    experiment_id = api.experiment()

    created = api.ok("POST", "runs/create", {"experimentId": experiment_id})

    assert created["run"]["info"]["experiment_id"] == experiment_id


def test_a_field_spelled_twice_is_refused_or_the_later_spelling_wins(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    first, second = api.run(), api.run()

    response = api.call(
        "POST", "runs/update", {"runId": first, "run_id": second, "status": "KILLED"}
    )

    statuses = {
        run_id: api.ok("GET", "runs/get", params={"run_id": run_id})["run"]["info"]["status"]
        for run_id in (first, second)
    }
    if on_3_9(registry_under_test):  # protobuf's parser keeps the later key
        assert response.status_code == 200
        assert statuses == {first: "RUNNING", second: "KILLED"}
    else:
        assert response.status_code == 400
        assert statuses == {first: "RUNNING", second: "RUNNING"}


def test_run_id_wins_over_run_uuid(registry_under_test: RegistryUnderTest) -> None:
    api = alice(registry_under_test)
    first, second = api.run(), api.run()

    got = api.ok("GET", "runs/get", params={"run_uuid": first, "run_id": second})
    api.ok("POST", "runs/update", {"run_uuid": first, "run_id": second, "status": "KILLED"})

    assert got["run"]["info"]["run_id"] == second
    status = api.ok("GET", "runs/get", params={"run_id": first})["run"]["info"]["status"]
    assert status == "RUNNING"


# What a database-backed server advertises at server-info, by release. The fake answers
# presigned uploads and the gateway false on purpose (docs/testing.md).
SERVER_INFO_3_17 = {
    "store_type": "SqlStore",
    "workspaces_enabled": False,
    "trace_archival_enabled": False,
    "multipart_uploads_enabled": False,
    "multipart_downloads_enabled": False,
    "presigned_upload_run_id_supported": True,
    "presigned_upload_model_id_supported": True,
    "features_enabled": {"gateway": True},
}
ANSWERED_FALSE_BY_THE_FAKE = {
    "presigned_upload_run_id_supported": False,
    "presigned_upload_model_id_supported": False,
    "features_enabled": {"gateway": False},
}


def test_server_info_answers_as_the_servers_release_does(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)

    if on_3_9(registry_under_test):
        response = api.call("GET", "/server-info")
        assert response.status_code == 200
        assert response.json() == {"store_type": "SqlStore"}
        return
    for path in ("/api/3.0/mlflow/server-info", "/ajax-api/3.0/mlflow/server-info"):
        response = api.call("GET", path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        expected = dict(SERVER_INFO_3_17)
        if registry_under_test.kind == "fake":
            expected.update(ANSWERED_FALSE_BY_THE_FAKE)
        assert response.json() == expected


def test_setting_a_logged_models_tags_answers_an_empty_object(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    experiment_id = api.experiment()
    model = api.ok("POST", "logged-models", {"experiment_id": experiment_id, "name": "m"})
    model_id = model["model"]["info"]["model_id"]

    answer = api.ok(
        "PATCH", f"logged-models/{model_id}/tags", {"tags": [{"key": "a", "value": "b"}]}
    )

    assert answer == {}
    tags = api.ok("GET", f"logged-models/{model_id}")["model"]["info"]["tags"]
    assert tags == [{"key": "a", "value": "b"}]
