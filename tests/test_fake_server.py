"""The fake registry, exercised with the real MlflowClient: what a user of the fake would notice."""

from __future__ import annotations

import gc
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException
from requests.adapters import HTTPAdapter
from sklearn.linear_model import LinearRegression

from hokusai.support.mlflow_version import release
from hokusai.testing.fake_server import (
    ALICE_KEY,
    BOB_KEY,
    DEFAULT_KEYS,
    OUTSIDER_KEY,
    READER_KEY,
    FakeRegistryServer,
)
from hokusai.testing.faults import Fault
from hokusai.testing.proxy_rules import KeyGrant, load_keys

KEY_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "keys.json"
# The fake answers as the installed release's server does; where an MLflow 3.9 server answers
# differently, the tests expect its answer.
MLFLOW_3_9 = release(mlflow.__version__)[:2] == (3, 9)


@pytest.fixture
def use_key(monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None], None]:
    """Switch the key MLflow sends (None: send none); retries off, so failures surface at once."""
    monkeypatch.delenv("MLFLOW_TRACKING_AUTH", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")

    def use(key: str | None) -> None:
        if key is None:
            monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
        else:
            monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", key)

    use(ALICE_KEY)
    return use


@pytest.fixture
def client(
    fake_registry: FakeRegistryServer, use_key: Callable[[str | None], None]
) -> MlflowClient:
    return MlflowClient(tracking_uri=fake_registry.tracking_uri)


def raw(
    srv: FakeRegistryServer, method: str, path: str, key: str | None = ALICE_KEY, **kw: Any
) -> requests.Response:
    """A request through plain `requests`, to see statuses, headers and bodies as sent."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.request(method, srv.base_url + path, headers=headers, timeout=5, **kw)


def api(srv: FakeRegistryServer, method: str, endpoint: str, **kw: Any) -> requests.Response:
    return raw(srv, method, f"/api/mlflow/api/2.0/mlflow/{endpoint}", **kw)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def context_of(error: BaseException) -> BaseException | None:
    # MLflow raises its own exception while handling the requests one (no `from`).
    return error.__cause__ or error.__context__


# -- keys -------------------------------------------------------------------------------------
def test_default_keys_are_the_fixture_key_file() -> None:
    assert dict(DEFAULT_KEYS) == load_keys(KEY_FILE)


def test_fixture_yields_a_running_fake_with_fresh_state(fake_registry: FakeRegistryServer) -> None:
    assert fake_registry.running
    assert fake_registry.tracking_uri == "https://registry.hokus.ai/api/mlflow"
    assert fake_registry.state.registered_models == {}
    assert list(fake_registry.state.experiments) == ["0"]


# -- experiments and runs -----------------------------------------------------------------------
def test_experiments_are_created_found_by_id_name_and_search(client: MlflowClient) -> None:
    experiment_id = client.create_experiment("churn", tags={"team": "ml"})

    by_id = client.get_experiment(experiment_id)
    assert by_id.name == "churn"
    assert by_id.artifact_location == f"mlflow-artifacts:/{experiment_id}"
    by_name = client.get_experiment_by_name("churn")
    assert by_name is not None
    assert by_name.experiment_id == experiment_id
    assert client.get_experiment_by_name("missing") is None
    found = client.search_experiments(filter_string="tags.team = 'ml'")
    assert [e.experiment_id for e in found] == [experiment_id]


def test_duplicate_experiment_is_resource_already_exists(client: MlflowClient) -> None:
    client.create_experiment("churn")
    with pytest.raises(RestException) as caught:
        client.create_experiment("churn")
    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_runs_keep_params_metrics_tags_and_are_searchable(client: MlflowClient) -> None:
    experiment_id = client.create_experiment("churn")
    run_id = client.create_run(experiment_id, run_name="first").info.run_id
    client.log_param(run_id, "alpha", "0.5")
    client.log_metric(run_id, "rmse", 0.9, step=0)
    client.log_metric(run_id, "rmse", 0.3, step=1)
    client.set_tag(run_id, "stage", "candidate")
    client.log_batch(run_id, params=[mlflow.entities.Param("beta", "2")])
    client.set_terminated(run_id)

    run = client.get_run(run_id)
    assert run.info.run_name == "first"
    assert run.info.status == "FINISHED"
    assert run.info.artifact_uri == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"
    assert run.data.params == {"alpha": "0.5", "beta": "2"}
    assert run.data.metrics == {"rmse": 0.3}
    assert run.data.tags["stage"] == "candidate"
    assert [m.value for m in client.get_metric_history(run_id, "rmse")] == [0.9, 0.3]
    query = "tags.stage = 'candidate' AND params.alpha = '0.5' AND metrics.rmse < 0.5"
    assert [r.info.run_id for r in client.search_runs([experiment_id], query)] == [run_id]


def test_changing_a_logged_param_is_invalid(client: MlflowClient) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_param(run_id, "alpha", "0.5")
    with pytest.raises(MlflowException) as caught:  # the client re-wraps it with advice
        client.log_param(run_id, "alpha", "0.7")
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


# -- registered models and versions ---------------------------------------------------------------
def test_registered_models_are_created_listed_updated_and_deleted(
    client: MlflowClient, fake_registry: FakeRegistryServer
) -> None:
    client.create_registered_model("churn", tags={"team": "ml"}, description="first")
    client.create_registered_model("fraud")
    client.update_registered_model("churn", description="second")
    client.set_registered_model_tag("churn", "owner", "alice")

    churn = client.get_registered_model("churn")
    assert churn.description == "second"
    assert churn.tags == {"team": "ml", "owner": "alice"}
    assert [m.name for m in client.search_registered_models()] == ["churn", "fraud"]
    assert [m.name for m in client.search_registered_models("name LIKE 'fr%'")] == ["fraud"]
    client.delete_registered_model("fraud")
    assert list(fake_registry.state.registered_models) == ["churn"]


def test_duplicate_registered_model_is_400_resource_already_exists(
    client: MlflowClient, fake_registry: FakeRegistryServer
) -> None:
    client.create_registered_model("churn")
    with pytest.raises(RestException) as caught:
        client.create_registered_model("churn")
    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert fake_registry.requests[-1].status == 400


def test_unknown_registered_model_is_404_resource_does_not_exist(
    client: MlflowClient, fake_registry: FakeRegistryServer
) -> None:
    with pytest.raises(RestException) as caught:
        client.get_registered_model("missing")
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert fake_registry.requests[-1].status == 404


def make_run(client: MlflowClient) -> tuple[str, str]:
    experiment_id = client.create_experiment("churn")
    return experiment_id, client.create_run(experiment_id).info.run_id


def test_version_numbers_count_per_registered_model(
    client: MlflowClient, fake_registry: FakeRegistryServer
) -> None:
    _, run_id = make_run(client)
    for name in ("churn", "fraud"):
        client.create_registered_model(name)
    source = f"runs:/{run_id}/model"
    versions = [
        client.create_model_version(name, source, run_id=run_id, tags={"n": str(i)})
        for i, name in enumerate(["churn", "churn", "fraud"])
    ]

    assert [(v.name, v.version) for v in versions] == [
        ("churn", "1"),
        ("churn", "2"),
        ("fraud", "1"),
    ]
    second = client.get_model_version("churn", "2")
    assert (second.source, second.run_id, second.status) == (source, run_id, "READY")
    assert second.tags == {"n": "1"}
    assert [v.version for v in fake_registry.model_versions("churn")] == [1, 2]


def test_aliases_point_at_versions_and_go_with_them(client: MlflowClient) -> None:
    _, run_id = make_run(client)
    client.create_registered_model("churn")
    for _ in range(2):
        client.create_model_version("churn", f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias("churn", "champion", "2")

    assert client.get_model_version_by_alias("churn", "champion").version == "2"
    assert client.get_model_version("churn", "2").aliases == ["champion"]
    assert client.get_registered_model("churn").aliases == {"champion": "2"}
    client.delete_model_version("churn", "2")
    # Later servers drop the alias and answer it with INVALID_PARAMETER_VALUE (400), not 404;
    # an MLflow 3.9 server keeps it, pointing at the missing version.
    dangling = "RESOURCE_DOES_NOT_EXIST" if MLFLOW_3_9 else "INVALID_PARAMETER_VALUE"
    with pytest.raises(RestException, match=dangling):
        client.get_model_version_by_alias("churn", "champion")
    assert client.get_registered_model("churn").aliases == ({"champion": "2"} if MLFLOW_3_9 else {})
    with pytest.raises(RestException, match="INVALID_PARAMETER_VALUE"):
        client.set_registered_model_alias("churn", "latest", "1")


def test_deleted_alias_is_gone(client: MlflowClient) -> None:
    _, run_id = make_run(client)
    client.create_registered_model("churn")
    client.create_model_version("churn", f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias("churn", "champion", "1")
    client.delete_registered_model_alias("churn", "champion")
    assert client.get_model_version("churn", "1").aliases == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name='churn'", [("churn", "2"), ("churn", "1")]),
        ("tags.`stage`='prod'", [("churn", "2"), ("fraud", "1")]),
        ("tag.stage = 'prod'", [("churn", "2"), ("fraud", "1")]),
        ("name = 'churn' AND tag.stage = 'prod'", [("churn", "2")]),
        ("tags.stage != 'prod'", [("churn", "1")]),
    ],
)
def test_search_model_versions_by_name_and_tag(
    client: MlflowClient, query: str, expected: list[tuple[str, str]]
) -> None:
    _, run_id = make_run(client)
    client.create_registered_model("churn")
    client.create_registered_model("fraud")
    for name, stage in [("churn", "dev"), ("churn", "prod"), ("fraud", "prod")]:
        client.create_model_version(name, f"runs:/{run_id}/m", run_id=run_id, tags={"stage": stage})
    found = [(v.name, v.version) for v in client.search_model_versions(query)]
    # Order follows millisecond timestamps on the real server too: compare as sets of rows.
    assert sorted(found) == sorted(expected)


def test_a_filter_the_fake_cannot_read_is_invalid_parameter(client: MlflowClient) -> None:
    with pytest.raises(RestException, match="INVALID_PARAMETER_VALUE"):
        client.search_model_versions("name ~ 'churn'")


@pytest.mark.filterwarnings("ignore:.*get_latest_versions.*:FutureWarning")
def test_version_updates_tags_latest_and_download_uri(client: MlflowClient) -> None:
    _, run_id = make_run(client)
    client.create_registered_model("churn")
    for _ in range(2):
        client.create_model_version("churn", f"runs:/{run_id}/model", run_id=run_id)
    client.update_model_version("churn", "1", description="old")
    client.set_model_version_tag("churn", "1", "checked", "yes")
    client.delete_model_version_tag("churn", "1", "checked")

    first = client.get_model_version("churn", "1")
    assert (first.description, first.tags) == ("old", {})
    assert [v.version for v in client.get_latest_versions("churn")] == ["2"]
    assert client.get_model_version_download_uri("churn", "2") == f"runs:/{run_id}/model"


def test_a_placeholder_source_outside_the_logged_model_is_rejected(client: MlflowClient) -> None:
    experiment_id, _ = make_run(client)
    model = client.create_logged_model(experiment_id, name="churn")
    client.create_registered_model("churn")

    def register() -> object:
        return client.create_model_version(
            "churn", "mlflow-artifacts:/placeholder", model_id=model.model_id
        )

    if MLFLOW_3_9:  # its server checked no mlflow-artifacts: source against the model's
        assert register().source == "mlflow-artifacts:/placeholder"  # type: ignore[attr-defined]
        return
    with pytest.raises(RestException, match="INVALID_PARAMETER_VALUE"):
        register()


# -- logged models and artifacts ------------------------------------------------------------------
def test_a_real_model_round_trips_through_the_registry(
    client: MlflowClient, fake_registry: FakeRegistryServer, tmp_path: Path
) -> None:
    experiment_id, run_id = make_run(client)
    fitted = LinearRegression().fit(np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0]))
    # Pinned requirements: inferring them would take mlflow ~6 s.
    mlflow.sklearn.save_model(fitted, tmp_path / "model", pip_requirements=["scikit-learn"])

    logged = client.create_logged_model(experiment_id, name="lr", source_run_id=run_id)
    client.log_model_artifacts(logged.model_id, str(tmp_path / "model"))
    logged = client.finalize_logged_model(logged.model_id, "READY")
    client.create_registered_model("churn")
    version = client.create_model_version(
        "churn", logged.artifact_location, run_id=run_id, model_id=logged.model_id
    )

    root = f"{experiment_id}/models/{logged.model_id}/artifacts"
    assert logged.artifact_location == f"mlflow-artifacts:/{root}"
    assert str(logged.status) == "READY"
    assert f"{root}/MLmodel" in fake_registry.artifact_paths(root)
    assert fake_registry.model_versions("churn")[0].model_id == logged.model_id
    registrations = client.get_logged_model(logged.model_id).tags["mlflow.modelVersions"]
    assert json.loads(registrations) == [{"name": "churn", "version": 1}]
    local = mlflow.artifacts.download_artifacts(
        artifact_uri=version.source, tracking_uri=fake_registry.tracking_uri, dst_path=str(tmp_path)
    )
    predicted = mlflow.pyfunc.load_model(local).predict(np.array([[4.0]]))
    assert predicted == pytest.approx([8.0])


def test_logged_models_take_tags_and_are_searchable(client: MlflowClient) -> None:
    experiment_id, run_id = make_run(client)
    model = client.create_logged_model(experiment_id, name="lr", source_run_id=run_id)
    client.set_logged_model_tags(model.model_id, {"flavor": "sklearn"})
    client.log_outputs(run_id, [mlflow.entities.LoggedModelOutput(model.model_id, 0)])

    assert client.get_logged_model(model.model_id).tags == {"flavor": "sklearn"}
    outputs = client.get_run(run_id).outputs
    assert outputs is not None
    assert outputs.model_outputs[0].model_id == model.model_id
    found = client.search_logged_models([experiment_id], filter_string="name = 'lr'")
    assert [m.model_id for m in found] == [model.model_id]


def test_artifact_endpoints_store_list_and_serve_bytes(fake_registry: FakeRegistryServer) -> None:
    root = "/api/mlflow/api/2.0/mlflow-artifacts/artifacts"
    assert raw(fake_registry, "PUT", f"{root}/1/r/artifacts/model/MLmodel", data=b"flavors").ok
    assert raw(fake_registry, "PUT", f"{root}/1/r/artifacts/notes.txt", data=b"hi").ok

    listing = raw(fake_registry, "GET", root, params={"path": "1/r/artifacts"}).json()
    assert listing["files"] == [
        {"path": "model", "is_dir": True},
        {"path": "notes.txt", "is_dir": False, "file_size": 2},
    ]
    assert raw(fake_registry, "GET", f"{root}/1/r/artifacts/model/MLmodel").content == b"flavors"
    # An MLflow 3.9 server fails the download of a missing file (500); later ones answer 404.
    missing = raw(fake_registry, "GET", f"{root}/1/r/artifacts/missing").status_code
    assert missing == (500 if MLFLOW_3_9 else 404)
    # urllib3 resolves the dot segments before sending: the upload reaches no artifact route.
    escaped = raw(fake_registry, "PUT", f"{root}/1/../../etc/passwd", data=b"x")
    assert escaped.status_code == 404
    assert fake_registry.artifact_paths("etc") == []


def test_server_info_advertises_no_multipart_transfers(fake_registry: FakeRegistryServer) -> None:
    answer = raw(fake_registry, "GET", "/api/mlflow/api/3.0/mlflow/server-info")
    if MLFLOW_3_9:  # its server has no such endpoint
        assert answer.status_code == 404
        return
    info = answer.json()
    assert info["multipart_uploads_enabled"] is False
    assert info["multipart_downloads_enabled"] is False


# -- the proxy's answers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "status", "error"),
    [
        (None, 401, "API key required"),
        ("hk_live_unknownunknownunknownunknown00", 401, "Invalid or expired API key"),
        (OUTSIDER_KEY, 403, "REGISTRY_ADMIN_REQUIRED"),
        (READER_KEY, 403, "FORBIDDEN"),
        (ALICE_KEY, 200, None),
    ],
)
def test_proxy_answers_writes_by_key(
    fake_registry: FakeRegistryServer, key: str | None, status: int, error: str | None
) -> None:
    response = api(fake_registry, "POST", "registered-models/create", key=key, json={"name": "m"})
    assert response.status_code == status
    assert response.json().get("error") == error


def test_the_client_sees_a_proxy_refusal_as_a_rest_exception(
    client: MlflowClient,
    fake_registry: FakeRegistryServer,
    use_key: Callable[[str | None], None],
) -> None:
    use_key(READER_KEY)
    with pytest.raises(RestException):
        client.create_registered_model("churn")
    assert fake_registry.requests[-1].status == 403
    assert fake_registry.state.registered_models == {}


def test_a_reader_can_read(
    client: MlflowClient,
    fake_registry: FakeRegistryServer,
    use_key: Callable[[str | None], None],
) -> None:
    client.create_registered_model("churn")
    use_key(READER_KEY)
    assert client.get_registered_model("churn").name == "churn"
    assert fake_registry.requests[-1].user == "reader"


def test_keys_can_be_added_and_revoked(
    client: MlflowClient,
    fake_registry: FakeRegistryServer,
    use_key: Callable[[str | None], None],
) -> None:
    new_key = "hk_dev_" + "n" * 32
    fake_registry.add_key(new_key, KeyGrant("carol"))
    use_key(new_key)
    client.create_registered_model("churn")
    assert fake_registry.requests[-1].user == "carol"
    fake_registry.remove_key(new_key)
    with pytest.raises(RestException):
        client.get_registered_model("churn")
    assert fake_registry.requests[-1].status == 401


def test_keys_never_appear_in_the_log_or_repr(fake_registry: FakeRegistryServer) -> None:
    api(fake_registry, "GET", "registered-models/search", key=BOB_KEY)
    raw(
        fake_registry,
        "GET",
        f"/api/mlflow/api/2.0/mlflow/experiments/get?api_key={ALICE_KEY}",
        key=None,
    )
    text = repr(fake_registry.requests) + repr(fake_registry)
    assert ALICE_KEY not in text
    assert BOB_KEY not in text
    assert [(r.user, r.key_presented) for r in fake_registry.requests] == [
        ("bob", True),
        ("alice", True),
    ]


def test_health_is_unauthenticated_and_other_paths_are_json_404(
    fake_registry: FakeRegistryServer,
) -> None:
    health = requests.get(fake_registry.health_url, timeout=5)
    assert (health.status_code, health.json()["status"]) == (200, "healthy")
    outside = raw(fake_registry, "GET", "/nowhere", key=None)
    assert (outside.status_code, outside.json()["error"]) == (404, "NOT_FOUND")
    unknown = api(fake_registry, "GET", "no-such-endpoint")
    # As the proxy answers MLflow's HTML 404: its own JSON, without an MLflow error_code.
    assert (unknown.status_code, unknown.json()) == (
        404,
        {
            "error": "NOT_FOUND",
            "message": "No route for /api/mlflow/api/2.0/mlflow/no-such-endpoint",
        },
    )


# -- faults -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "status", "headers", "body_start"),
    [
        (Fault.key_required(), 401, {}, b'{"error": "API key required"}'),
        (Fault.invalid_key(), 401, {}, b'{"error": "Invalid or expired API key"}'),
        (Fault.insufficient_balance(), 402, {}, b'{"error": "INSUFFICIENT_BALANCE"}'),
        (Fault.registry_admin_required(), 403, {}, b'{"error": "REGISTRY_ADMIN_REQUIRED"'),
        (Fault.forbidden(), 403, {}, b'{"error": "FORBIDDEN"'),
        (Fault.status(404, json={"error": "NOT_FOUND"}), 404, {}, b'{"error": "NOT_FOUND"}'),
        (Fault.rate_limited(), 429, {"Retry-After": "60"}, b'{"error": "RATE_LIMITED"}'),
        (Fault.internal_error(), 500, {}, b'{"error_code": "INTERNAL_ERROR"'),
        (Fault.bad_gateway(), 502, {}, b'{"error": '),
        (Fault.auth_unavailable(), 503, {"Retry-After": "1"}, b'{"error": '),
        (Fault.artifacts_disabled(), 503, {}, b'{"error": "ARTIFACTS_DISABLED"}'),
        (Fault.gateway_timeout(), 504, {}, b'{"error": '),
        (Fault.html(502), 502, {"Content-Type": "text/html"}, b"<html>"),
        (Fault.text(500, "upstream exploded"), 500, {}, b"upstream exploded"),
    ],
)
def test_status_faults_answer_as_scripted(
    fake_registry: FakeRegistryServer,
    fault: Fault,
    status: int,
    headers: dict[str, str],
    body_start: bytes,
) -> None:
    fake_registry.inject(fault)
    response = api(fake_registry, "GET", "registered-models/search")
    assert response.status_code == status
    assert headers.items() <= response.headers.items()
    assert response.content.startswith(body_start)
    assert api(fake_registry, "GET", "registered-models/search").status_code == 200


# MLflow 3.18 changed what its client does when retries run out (it returns the last answer,
# and parses it) and stopped resending a write whose answer was lost.
MLFLOW_3_18 = release(mlflow.__version__) >= (3, 18)


@pytest.mark.parametrize(
    ("fault", "client_error"),
    [
        (Fault.forbidden(), RestException),  # JSON without error_code: INTERNAL_ERROR
        (Fault.html(403), MlflowException),  # not JSON: "failed with error code 403 != 200"
        # Retried status, retries exhausted: "max retries exceeded", or from 3.18 the last
        # answer's JSON (INTERNAL_ERROR).
        (Fault.rate_limited(), RestException if MLFLOW_3_18 else MlflowException),
        (Fault.status(503), MlflowException),
    ],
)
def test_status_faults_reach_the_client(
    client: MlflowClient, fake_registry: FakeRegistryServer, fault: Fault, client_error: type
) -> None:
    fake_registry.inject(fault)
    with pytest.raises(MlflowException) as caught:
        client.get_registered_model("churn")
    assert type(caught.value) is client_error


@pytest.mark.parametrize(
    ("fault", "plain_error"),
    [
        (Fault.refused(), requests.exceptions.ConnectionError),
        (Fault.timeout(), requests.exceptions.ReadTimeout),
        (Fault.timeout(connect=True), requests.exceptions.ConnectTimeout),
        (Fault.reset(), requests.exceptions.ConnectionError),
        (Fault.applied_then_lost(), requests.exceptions.ConnectionError),
    ],
)
def test_connection_faults_raise_what_requests_raises(
    client: MlflowClient,
    fake_registry: FakeRegistryServer,
    fault: Fault,
    plain_error: type[Exception],
) -> None:
    fake_registry.inject(fault)
    with pytest.raises(plain_error):
        api(fake_registry, "GET", "registered-models/search")
    # Through MLflow's retrying session every one of them is a ConnectionError, timeouts too.
    fake_registry.inject(fault)
    with pytest.raises(MlflowException) as caught:
        client.search_registered_models()
    assert isinstance(context_of(caught.value), requests.exceptions.ConnectionError)
    assert fake_registry.requests[-1].status is None


def test_applied_then_lost_leaves_the_write_applied(
    client: MlflowClient, fake_registry: FakeRegistryServer
) -> None:
    fake_registry.inject(Fault.applied_then_lost(), path="registered-models/create")
    with pytest.raises(MlflowException):
        client.create_registered_model("churn")
    assert "churn" in fake_registry.state.registered_models


def test_a_retried_lost_write_meets_its_own_result(
    client: MlflowClient, fake_registry: FakeRegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    fake_registry.inject(Fault.applied_then_lost(), path="registered-models/create")
    with pytest.raises(MlflowException) as caught:
        client.create_registered_model("churn")
    if MLFLOW_3_18:  # not resent: the lost answer is the error, and the write stands
        assert isinstance(context_of(caught.value), requests.exceptions.ConnectionError)
        assert [r.path.endswith("registered-models/create") for r in fake_registry.requests] == [
            True
        ]
    else:  # resent, and the second request meets the first one's result
        assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert "churn" in fake_registry.state.registered_models


def test_reset_during_upload_stores_nothing(
    client: MlflowClient, fake_registry: FakeRegistryServer, tmp_path: Path
) -> None:
    experiment_id, _ = make_run(client)
    model = client.create_logged_model(experiment_id, name="lr")
    (tmp_path / "weights.bin").write_bytes(b"\0" * 1024)
    injection = fake_registry.inject(Fault.reset(), method="PUT", path="mlflow-artifacts")
    with pytest.raises(MlflowException):
        client.log_model_artifacts(model.model_id, str(tmp_path))
    assert injection.fired == 1
    assert fake_registry.artifact_paths() == []


def test_times_counts_requests_and_retries_are_requests(
    client: MlflowClient, fake_registry: FakeRegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.create_registered_model("churn")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    once = fake_registry.inject(Fault.status(503), times=1)
    assert client.get_registered_model("churn").name == "churn"  # the retry got through
    assert (once.seen, once.fired) == (2, 1)

    thrice = fake_registry.inject(Fault.refused(), times=3)
    with pytest.raises(MlflowException):
        client.get_registered_model("churn")  # three attempts, three refusals
    assert thrice.fired == 3


def test_after_method_and_path_choose_the_requests(
    client: MlflowClient, fake_registry: FakeRegistryServer
) -> None:
    fake_registry.inject(
        Fault.status(500), method="POST", path=r"registered-models/create", after=1
    )
    client.create_registered_model("first")
    client.get_registered_model("first")  # a GET: not matched, not counted
    with pytest.raises(MlflowException):
        client.create_registered_model("second")
    client.create_registered_model("third")
    assert sorted(fake_registry.state.registered_models) == ["first", "third"]


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("refused", requests.exceptions.ConnectionError),
        ("timeout", requests.exceptions.ReadTimeout),
        ("connect_timeout", requests.exceptions.ConnectTimeout),
    ],
)
def test_going_down_takes_health_along_until_it_comes_back(
    fake_registry: FakeRegistryServer, kind: str, error: type[Exception]
) -> None:
    fake_registry.go_down(kind)
    with pytest.raises(error):
        requests.get(fake_registry.health_url, timeout=5)
    fake_registry.come_back()
    assert requests.get(fake_registry.health_url, timeout=5).status_code == 200


def test_reset_forgets_data_faults_and_log_but_keeps_keys(
    client: MlflowClient, fake_registry: FakeRegistryServer
) -> None:
    client.create_registered_model("churn")
    fake_registry.inject(Fault.refused(), times=None)
    fake_registry.reset()
    assert fake_registry.requests == []
    assert fake_registry.faults.pending() == []
    assert client.search_registered_models() == []


# -- running the fake ---------------------------------------------------------------------------
def test_loopback_passes_through_and_other_hosts_are_refused(
    fake_registry: FakeRegistryServer,
) -> None:
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.get(f"http://127.0.0.1:{closed_port()}/health", timeout=5)
    assert "Responses" not in str(caught.value)  # a real refusal, not the mock's
    with pytest.raises(requests.exceptions.ConnectionError, match="Responses"):
        requests.get("https://example.com/", timeout=5)
    assert fake_registry.requests == []


def test_context_manager_decorator_and_stop_restore_requests(
    use_key: Callable[[str | None], None],
) -> None:
    original = HTTPAdapter.send
    srv = FakeRegistryServer(base_url="https://other.example")

    @srv
    def register(name: str) -> list[str]:
        MlflowClient(tracking_uri=srv.tracking_uri).create_registered_model(name)
        return sorted(srv.state.registered_models)

    assert register("a") == ["a"]
    assert register("b") == ["b"]  # each call starts fresh
    assert not srv.running
    assert HTTPAdapter.send is original
    with srv:
        assert srv.running
    assert HTTPAdapter.send is original


def test_two_registries_in_two_threads_keep_to_themselves(
    use_key: Callable[[str | None], None],
) -> None:
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def work(region: str) -> None:
        try:
            with FakeRegistryServer(base_url=f"https://{region}.example") as srv:
                barrier.wait(timeout=10)  # both running before either registers
                client = MlflowClient(tracking_uri=srv.tracking_uri)
                for i in range(3):
                    client.create_registered_model(f"{region}-{i}")
                barrier.wait(timeout=10)  # both done before either stops
                seen[region] = sorted(srv.state.registered_models)
        except BaseException as error:  # surfaced below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(region,)) for region in ("east", "west")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert seen == {region: [f"{region}-{i}" for i in range(3)] for region in ("east", "west")}


def test_same_base_url_in_two_threads_goes_to_the_threads_own_fake(
    use_key: Callable[[str | None], None],
) -> None:
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def work(name: str) -> None:
        with FakeRegistryServer() as srv:
            barrier.wait(timeout=10)
            MlflowClient(tracking_uri=srv.tracking_uri).create_registered_model(name)
            barrier.wait(timeout=10)
            seen[name] = sorted(srv.state.registered_models)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == {"a": ["a"], "b": ["b"]}


def test_the_plugin_imports_neither_mlflow_nor_responses() -> None:
    code = (
        "import sys, hokusai.testing.pytest_plugin as p; "
        "print(sorted(m for m in ('mlflow', 'responses') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# -- no trace between tests ---------------------------------------------------------------------


def test_a_registry_left_open_is_forgotten_when_the_fake_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hokusai import ModelRegistry

    # Registries an earlier test left for the garbage collector (in reference cycles) keep
    # their keys bound until collected, and a key bound anywhere keeps the switch set.
    gc.collect()
    monkeypatch.delenv("MLFLOW_TRACKING_AUTH", raising=False)
    left_open = []
    with FakeRegistryServer():
        # Never closed, and still referenced: its key stays bound while the fake runs.
        left_open.append(ModelRegistry(api_key=ALICE_KEY, mode="remote"))

    # A later test with raw MLflow and another user's key is that user, not alice.
    with FakeRegistryServer() as srv:
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", READER_KEY)
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        client = MlflowClient(tracking_uri=srv.tracking_uri, registry_uri=srv.tracking_uri)
        with pytest.raises(MlflowException):
            client.create_registered_model("churn")
        assert [r.user for r in srv.requests] == ["reader"]
    assert "MLFLOW_TRACKING_AUTH" not in os.environ
    assert left_open  # the registry itself is untouched; only its binding to the fake is gone


def test_stopping_a_fake_keeps_what_was_there_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "hokusai")

    with FakeRegistryServer():
        pass

    assert os.environ["MLFLOW_TRACKING_AUTH"] == "hokusai"


def test_answers_fit_mlflows_response_messages(
    fake_registry: FakeRegistryServer, sk_model_dir: Path
) -> None:
    """No field the server would not send, none misnamed or mistyped: each answer parses
    strictly (unknown fields refused) into the Response message MLflow declares for it."""
    from google.protobuf.json_format import ParseDict

    from hokusai import ModelRegistry
    from hokusai.testing.fake_protocol import message_for

    entry = ModelRegistry(api_key=ALICE_KEY).register_model(
        sk_model_dir, "churn", tags={"team": "ml"}, alias="champion"
    )
    run = api(fake_registry, "GET", "runs/get", params={"run_id": entry.run_id}).json()["run"]
    experiments = {"experiment_ids": [run["info"]["experiment_id"]]}
    version = {"name": "churn", "version": "1"}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "runs/get", {"params": {"run_id": entry.run_id}}),
        ("POST", "runs/search", {"json": experiments}),
        ("POST", "experiments/search", {"json": {"max_results": 10}}),
        ("GET", "experiments/get", {"params": {"experiment_id": experiments["experiment_ids"][0]}}),
        ("GET", f"logged-models/{entry.logged_model_id}", {}),
        ("POST", "logged-models/search", {"json": experiments}),
        ("GET", "registered-models/get", {"params": {"name": "churn"}}),
        ("GET", "registered-models/search", {"params": {"max_results": 5}}),
        ("GET", "model-versions/get", {"params": version}),
        ("GET", "model-versions/search", {"params": {"filter": "name='churn'"}}),
        ("GET", "registered-models/alias", {"params": {"name": "churn", "alias": "champion"}}),
        ("GET", "model-versions/get-download-uri", {"params": version}),
        ("POST", "model-versions/transition-stage", {"json": {**version, "stage": "Staging"}}),
        ("POST", "registered-models/get-latest-versions", {"json": {"name": "churn"}}),
    ]
    for method, endpoint, kwargs in calls:
        response = api(fake_registry, method, endpoint, **kwargs)
        assert response.status_code == 200, (endpoint, response.text)
        message = message_for(method, f"/api/2.0/mlflow/{endpoint}")
        assert message is not None, endpoint
        ParseDict(response.json(), message.Response())
