"""How the registry treats what it accepts: truncation, odd numbers, timestamps, JSON shapes.

Also the few places where the fake deliberately answers differently from a real server; each
is listed, with its reason, in docs/testing.md ("Where the fake differs").
"""

from __future__ import annotations

import math
import sys
import time

import pytest

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
