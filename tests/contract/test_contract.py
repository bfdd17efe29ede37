"""The fake registry and the real one answer the same: one suite, run against both.

Every scenario takes ``registry_under_test`` (see conftest): the in-process fake, or a real
``mlflow server`` behind the authenticating proxy (``integration``). The assertions are the
observable results a user of the SDK or of MLflow's client meets; where the two registries
differ, the fake is wrong and is fixed in ``hokusai/testing``.

Names are unique per test because the real registry keeps its state for the whole session.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from mlflow.entities import LoggedModelStatus
from mlflow.exceptions import MlflowException, RestException

from hokusai import (
    AuthenticationError,
    HokusaiError,
    ModelNotFoundError,
    ModelRegistry,
    PermissionDeniedError,
)
from hokusai.models import TAG_IDEMPOTENCY_KEY
from hokusai.support.mlflow_version import release
from tests.contract.api import Api
from tests.contract.conftest import RegistryUnderTest

API = "/api/2.0/mlflow"
SAMPLE = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sdk(target: RegistryUnderTest, user: str | None = "alice") -> ModelRegistry:
    """An SDK registry that must use the target (no fallback), with ``user``'s key."""
    key = target.key_for(user)
    return ModelRegistry(target.tracking_uri, api_key=key, mode="remote", probe_timeout=5)


def files_of(directory: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``directory``."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def error_code_of(call: Any) -> tuple[str, int]:
    """MLflow's error_code and HTTP status for a raw-client call that must fail."""
    with pytest.raises(MlflowException) as caught:
        call()
    status: int = caught.value.get_http_status_code()  # type: ignore[no-untyped-call]
    return caught.value.error_code, status


def new_run(client: Any) -> tuple[str, str]:
    experiment_id = client.create_experiment(unique("contract"))
    return experiment_id, client.create_run(experiment_id).info.run_id


# --- the proxy's answers ---------------------------------------------------------------------

# (user, kind of request) -> HTTP status, the proxy's `error`, and the SDK's error class and code.
ProxyAnswer = tuple[str | None, str, int, str | None, type[HokusaiError] | None, str | None]
PROXY_ANSWERS: dict[str, ProxyAnswer] = {
    "no-key": (None, "write", 401, "API key required", AuthenticationError, None),
    "invalid-key": (
        "unknown",
        "write",
        401,
        "Invalid or expired API key",
        AuthenticationError,
        None,
    ),
    "outsider": (
        "outsider",
        "read",
        403,
        "REGISTRY_ADMIN_REQUIRED",
        PermissionDeniedError,
        "REGISTRY_ADMIN_REQUIRED",
    ),
    "reader-writes": ("reader", "write", 403, "FORBIDDEN", PermissionDeniedError, "FORBIDDEN"),
    "reader-reads": ("reader", "read", 200, None, None, None),
}

# What MLflow's client shows of each refusal: the `message`, else the whole body.
PROXY_TEXT = {
    "no-key": "Response: {'error': 'API key required'}",
    "invalid-key": "Response: {'error': 'Invalid or expired API key'}",
    "outsider": "This API key is not allowed to use the model registry.",
    "reader-writes": "This API key lacks the model:write or mlflow:write scope.",
}


@pytest.mark.parametrize("case", list(PROXY_ANSWERS))
def test_proxy_answers_over_plain_http(registry_under_test: RegistryUnderTest, case: str) -> None:
    user, kind, status, error, _cls, _code = PROXY_ANSWERS[case]
    key = registry_under_test.key_for(user)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if kind == "read":
        url = f"{registry_under_test.tracking_uri}{API}/registered-models/search?max_results=1"
        response = requests.get(url, headers=headers, timeout=10)
    else:
        url = f"{registry_under_test.tracking_uri}{API}/registered-models/create"
        response = requests.post(url, headers=headers, json={"name": unique("px")}, timeout=10)

    assert response.status_code == status
    if error is None:
        assert "registered_models" in response.json() or response.json() == {}
    else:
        assert response.json()["error"] == error
    if status == 401:
        assert response.json() == {"error": error}


@pytest.mark.parametrize("case", list(PROXY_ANSWERS))
def test_proxy_answers_through_mlflow_client(
    registry_under_test: RegistryUnderTest, case: str
) -> None:
    user, kind, status, _error, _cls, _code = PROXY_ANSWERS[case]
    client = registry_under_test.client_as(user)

    if status == 200:
        assert isinstance(client.search_registered_models(max_results=1), list)
        return
    call = client.search_registered_models if kind == "read" else client.create_registered_model
    args = () if kind == "read" else (unique("px"),)
    with pytest.raises(RestException) as caught:
        call(*args)
    # A body without error_code reaches MLflow's users as INTERNAL_ERROR, its status dropped:
    # only the proxy's text survives (its `message`, else its `error`).
    assert caught.value.error_code == "INTERNAL_ERROR"
    assert str(caught.value) == f"INTERNAL_ERROR: {PROXY_TEXT[case]}"
    assert registry_under_test.request_log()[-1][2] == status


@pytest.mark.parametrize("case", list(PROXY_ANSWERS))
def test_proxy_answers_through_the_sdk(
    registry_under_test: RegistryUnderTest, case: str, sk_model_dir: Path
) -> None:
    user, kind, status, _error, error_class, code = PROXY_ANSWERS[case]
    name = unique("px")
    before = len(registry_under_test.request_log())
    with sdk(registry_under_test, user) as registry:
        if error_class is None:
            assert registry.list_models_by_type(name) == []
            return
        with pytest.raises(error_class) as caught:
            if kind == "read":
                registry.list_models_by_type(name)
            else:
                registry.register_model(sk_model_dir, name)

    assert type(caught.value) is error_class
    if user is None:
        # Without a key the SDK refuses before sending anything: the proxy never sees it.
        assert caught.value.status is None
        assert len(registry_under_test.request_log()) == before
    else:
        assert caught.value.status == status
    assert getattr(caught.value, "code", None) == code
    assert registry_under_test.tracking_uri in str(caught.value)
    assert registry.pending_store().all() == []
    assert registry_under_test.client_as("alice").search_model_versions(f"name='{name}'") == []


# --- registered models -----------------------------------------------------------------------


def test_create_then_get_then_search(registry_under_test: RegistryUnderTest) -> None:
    client = registry_under_test.client_as("alice")
    name = unique("churn")

    created = client.create_registered_model(name, tags={"team": "growth"}, description="first")
    got = client.get_registered_model(name)
    found = client.search_registered_models(filter_string=f"name='{name}'")
    found_like = client.search_registered_models(filter_string=f"name LIKE '{name[:-3]}%'")

    for model in (created, got, found[0]):
        assert (model.name, model.description, model.tags) == (name, "first", {"team": "growth"})
        assert model.aliases == {}
        assert model.latest_versions == []
    assert [m.name for m in found] == [name]
    assert [m.name for m in found_like] == [name]


def test_duplicate_create_is_resource_already_exists(
    registry_under_test: RegistryUnderTest,
) -> None:
    client = registry_under_test.client_as("alice")
    name = unique("dup")
    client.create_registered_model(name)

    assert error_code_of(lambda: client.create_registered_model(name)) == (
        "RESOURCE_ALREADY_EXISTS",
        400,
    )


def test_unknown_model_is_not_found(registry_under_test: RegistryUnderTest) -> None:
    client = registry_under_test.client_as("alice")
    name = unique("missing")

    assert error_code_of(lambda: client.get_registered_model(name)) == (
        "RESOURCE_DOES_NOT_EXIST",
        404,
    )
    assert error_code_of(lambda: client.get_model_version(name, "1")) == (
        "RESOURCE_DOES_NOT_EXIST",
        404,
    )
    with sdk(registry_under_test) as registry, pytest.raises(ModelNotFoundError) as caught:
        registry.get_model_version(name, 1)
    assert caught.value.status == 404
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_experiment_get_by_name_of_a_missing_one_is_none(
    registry_under_test: RegistryUnderTest,
) -> None:
    client = registry_under_test.client_as("alice")

    assert client.get_experiment_by_name(unique("no-such-experiment")) is None


# --- model versions, tags and aliases --------------------------------------------------------


def test_model_versions_increment_and_search_by_name(
    registry_under_test: RegistryUnderTest,
) -> None:
    client = registry_under_test.client_as("alice")
    name, other = unique("inc"), unique("inc-other")
    _, run_id = new_run(client)
    client.create_registered_model(name)
    client.create_registered_model(other)

    numbers = [
        client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id).version
        for _ in range(3)
    ]
    client.create_model_version(other, f"runs:/{run_id}/model", run_id=run_id)

    assert numbers == ["1", "2", "3"]
    found = client.search_model_versions(f"name='{name}'")
    assert [v.version for v in found] == ["3", "2", "1"]
    assert {v.name for v in found} == {name}
    assert all(v.source == f"runs:/{run_id}/model" and v.run_id == run_id for v in found)
    assert [v.version for v in client.search_model_versions(f"name='{other}'")] == ["1"]
    second = client.get_model_version(name, "2")
    assert (second.version, second.description, second.tags) == ("2", "", {})


def test_version_search_lists_the_most_recently_updated_first(
    registry_under_test: RegistryUnderTest,
) -> None:
    client = registry_under_test.client_as("alice")
    name = unique("order")
    _, run_id = new_run(client)
    client.create_registered_model(name)
    for _ in range(3):
        client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
    client.set_model_version_tag(name, "2", "k", "v")  # a tag is not an update
    time.sleep(0.01)  # timestamps are in milliseconds
    client.update_model_version(name, "1", description="touched")

    found = client.search_model_versions(f"name='{name}'")

    assert [v.version for v in found] == ["1", "3", "2"]
    assert found[0].description == "touched"


def test_tags_set_get_delete(registry_under_test: RegistryUnderTest) -> None:
    client = registry_under_test.client_as("alice")
    name = unique("tags")
    _, run_id = new_run(client)
    client.create_registered_model(name)
    client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id, tags={"a": "1"})

    client.set_registered_model_tag(name, "owner", "ml")
    client.set_registered_model_tag(name, "stage", "dev")
    client.delete_registered_model_tag(name, "stage")
    client.set_model_version_tag(name, "1", "b", "2")
    client.set_model_version_tag(name, "1", "a", "changed")
    client.delete_model_version_tag(name, "1", "b")

    assert client.get_registered_model(name).tags == {"owner": "ml"}
    assert client.get_model_version(name, "1").tags == {"a": "changed"}
    tagged = client.search_model_versions(f"name='{name}' and tag.a = 'changed'")
    assert [v.version for v in tagged] == ["1"]


def test_aliases_set_get_delete(registry_under_test: RegistryUnderTest) -> None:
    client = registry_under_test.client_as("alice")
    name = unique("alias")
    _, run_id = new_run(client)
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)

    client.set_registered_model_alias(name, "champion", "1")
    client.set_registered_model_alias(name, "challenger", "2")
    client.set_registered_model_alias(name, "champion", "2")  # moving an alias

    assert client.get_registered_model(name).aliases == {"champion": "2", "challenger": "2"}
    by_alias = client.get_model_version_by_alias(name, "champion")
    assert (by_alias.version, sorted(by_alias.aliases)) == ("2", ["challenger", "champion"])
    assert client.get_model_version(name, "1").aliases == []
    latest = client.get_registered_model(name).latest_versions
    assert [(v.version, v.aliases) for v in latest] == [("2", [])]

    client.delete_registered_model_alias(name, "challenger")

    assert client.get_registered_model(name).aliases == {"champion": "2"}
    assert error_code_of(lambda: client.get_model_version_by_alias(name, "challenger")) == (
        "INVALID_PARAMETER_VALUE",
        400,
    )
    assert error_code_of(lambda: client.set_registered_model_alias(name, "champion", "9")) == (
        "RESOURCE_DOES_NOT_EXIST",
        404,
    )
    assert error_code_of(lambda: client.set_registered_model_alias(name, "latest", "1")) == (
        "INVALID_PARAMETER_VALUE",
        400,
    )

    client.delete_model_version(name, "2")  # its aliases go with it

    # An MLflow 3.9 server keeps listing the alias of a deleted version, and answers a look-up
    # through it as a missing version.
    on_3_9 = release(registry_under_test.mlflow_version)[:2] == (3, 9)
    left, through_it = (
        ({"champion": "2"}, ("RESOURCE_DOES_NOT_EXIST", 404))
        if on_3_9
        else ({}, ("INVALID_PARAMETER_VALUE", 400))
    )
    assert client.get_registered_model(name).aliases == left
    assert error_code_of(lambda: client.get_model_version_by_alias(name, "champion")) == through_it


def test_sdk_latest_model_follows_production_alias_else_newest(
    registry_under_test: RegistryUnderTest, sk_model_dir: Path
) -> None:
    name = unique("latest")
    with sdk(registry_under_test) as registry:
        first = registry.register_model(sk_model_dir, name)
        second = registry.register_model(sk_model_dir, name)

        newest = registry.get_latest_model(name)
        registry.set_alias(name, "production", first.version or "")
        production = registry.get_latest_model(name)

    assert newest is not None and newest.version == second.version == "2"
    assert production is not None and production.version == "1"
    assert "production" in production.aliases


# --- a full registration through the SDK -----------------------------------------------------


def test_full_registration_round_trips_the_model_files(
    registry_under_test: RegistryUnderTest, sk_model_dir: Path, sk_model: Any, tmp_path: Path
) -> None:
    name = unique("iris")
    with sdk(registry_under_test) as registry:
        entry = registry.register_model(
            sk_model_dir, name, tags={"team": "growth"}, alias="champion", idempotency_key="k-1"
        )
        downloaded = registry.download_model(name, entry.version or "", tmp_path / "back")
        loaded = registry.load_model(name, entry.version or "")
        again = registry.register_model(sk_model_dir, name, idempotency_key="k-1")
        by_id = registry.get_model_version(name, 1)

    assert (entry.target, entry.version, entry.aliases) == ("remote", "1", ("champion",))
    assert entry.tags["team"] == "growth" and entry.idempotency_key == "k-1"
    assert files_of(downloaded) == files_of(sk_model_dir)
    np.testing.assert_array_equal(loaded.predict(SAMPLE), sk_model.predict(SAMPLE))
    assert again.version == "1"
    assert by_id.source == entry.source and by_id.logged_model_id == entry.logged_model_id

    client = registry_under_test.client_as("alice")
    (searched,) = client.search_model_versions(f"name='{name}'")
    stored = client.get_model_version(name, "1")
    assert stored.tags.items() >= {"team": "growth", TAG_IDEMPOTENCY_KEY: "k-1"}.items()
    assert stored.aliases == ["champion"]
    # Search results never carry aliases, on either registry; get does.
    assert (searched.tags, searched.aliases) == (stored.tags, [])
    assert stored.source == entry.source and stored.source.startswith("mlflow-artifacts:/")
    logged = client.get_logged_model(entry.logged_model_id)
    assert logged.status == LoggedModelStatus.READY
    assert logged.tags.get(TAG_IDEMPOTENCY_KEY) == "k-1"
    assert stored.run_id == logged.source_run_id == entry.run_id
    assert client.get_run(entry.run_id).info.status == "FINISHED"
    uploads = [r for r in registry_under_test.request_log() if r[0] == "PUT"]
    assert uploads and all(r[3] == "alice" and r[2] == 200 for r in uploads)


def test_logged_model_finalize(registry_under_test: RegistryUnderTest, sk_model_dir: Path) -> None:
    client = registry_under_test.client_as("alice")
    experiment_id, run_id = new_run(client)

    logged = client.create_logged_model(
        experiment_id, name="m", source_run_id=run_id, tags={"k": "v"}
    )
    pending = client.get_logged_model(logged.model_id)
    client.log_model_artifacts(logged.model_id, str(sk_model_dir))
    finalized = client.finalize_logged_model(logged.model_id, "READY")
    got = client.get_logged_model(logged.model_id)

    assert pending.status == LoggedModelStatus.PENDING
    assert finalized.status == got.status == LoggedModelStatus.READY
    assert (got.experiment_id, got.source_run_id, got.tags) == (experiment_id, run_id, {"k": "v"})
    assert got.artifact_location == logged.artifact_location
    assert got.artifact_location.endswith(f"/models/{logged.model_id}/artifacts")
    listed = sorted(f.path for f in client.list_logged_model_artifacts(logged.model_id))
    assert listed == sorted(p.name for p in sk_model_dir.iterdir())


def test_sdk_errors_never_carry_the_key(
    registry_under_test: RegistryUnderTest, sk_model_dir: Path
) -> None:
    with sdk(registry_under_test, "reader") as registry, pytest.raises(HokusaiError) as caught:
        registry.register_model(sk_model_dir, unique("leak"))

    key = registry_under_test.key_for("reader")
    assert key is not None and key not in str(caught.value) and key not in repr(caught.value)


def test_a_version_of_a_logged_model_takes_the_models_run(
    registry_under_test: RegistryUnderTest,
) -> None:
    # What MLflow's log_model(..., registered_model_name=...) sends: the logged model as the
    # source, no run. The server fills the run in from the logged model.
    api = Api(registry_under_test.tracking_uri, registry_under_test.key_for("alice"))
    experiment_id = api.experiment()
    run_id = api.run(experiment_id)
    logged = api.ok(
        "POST",
        "logged-models",
        {"experiment_id": experiment_id, "name": "model", "source_run_id": run_id},
    )["model"]["info"]
    name = api.model()
    body = {
        "name": name,
        "source": f"models:/{logged['model_id']}",
        "model_id": logged["model_id"],
    }
    version = api.ok("POST", "model-versions/create", body)["model_version"]
    assert version["run_id"] == run_id


# -- error bodies (issue 19) -----------------------------------------------------------------------
def test_error_bodies_carry_the_fields_of_the_servers_release(
    registry_under_test: RegistryUnderTest,
) -> None:
    """Measured: 3.9.0 answers error_code and message; 3.17.2 adds sqlstate and error_class
    (RESOURCE_DOES_NOT_EXIST's class is RESOURCE_NOT_FOUND)."""
    from hokusai.support.mlflow_version import release
    from tests.contract.api import Api

    api = Api(registry_under_test.tracking_uri, registry_under_test.key_for("alice"))

    response = api.call("GET", "registered-models/get", params={"name": "no-such-model-x1"})

    body = response.json()
    assert response.status_code == 404
    if release(registry_under_test.mlflow_version)[:2] == (3, 9):
        assert set(body) == {"error_code", "message"}
    else:
        assert body["sqlstate"] == "KAM00"
        assert body["error_class"] == "RESOURCE_NOT_FOUND"
    assert body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
