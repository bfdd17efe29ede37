"""The artifact service as MLflow's client and raw HTTP meet it, on the fake and a real server.

Statuses and error codes are in ``cases.ARTIFACTS``; these check the rest of each answer:
download headers, upload bodies, listings (sizes for files only) and missing files, for the
artifact service itself, a run's artifacts and a logged model's. Measured on real 3.9.0 and
3.17.2 servers behind the proxy; where the releases differ, each answers as its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hokusai.support.mlflow_version import release
from tests.contract.api import Api, unique
from tests.contract.cases import artifact_call, logged_model
from tests.contract.conftest import RegistryUnderTest

# name -> the Content-Type the server sends it with (MLflow's guess from the name).
DOWNLOAD_TYPES = {
    "notes.txt": "text/plain",
    "data.json": "text/plain",
    "conda.yaml": "text/plain",
    "MLmodel": "text/plain",
    "model.pkl": "application/octet-stream",
    "no-extension": "application/octet-stream",
    "page.html": "text/html",
    "plot.png": "image/png",
    "chart.svg": "image/svg+xml",
}


def alice(target: RegistryUnderTest) -> Api:
    return Api(target.tracking_uri, target.key_for("alice"))


def on_3_9(target: RegistryUnderTest) -> bool:
    return release(target.mlflow_version)[:2] == (3, 9)


def put(api: Api, path: str, content: bytes) -> None:
    answer = artifact_call(api, "PUT", f"/{path}", data=content)
    assert answer.status_code == 200, answer.text


def model_files(directory: Path) -> Path:
    """``model/MLmodel`` (3 bytes) and ``notes.txt`` (2 bytes) under ``directory``."""
    (directory / "model").mkdir(parents=True)
    (directory / "model" / "MLmodel").write_bytes(b"abc")
    (directory / "notes.txt").write_bytes(b"hi")
    return directory


def entries(files: Any) -> list[tuple[str, bool, int | None]]:
    """MLflow FileInfos as (path, is_dir, file_size), sorted."""
    return sorted((f.path, f.is_dir, f.file_size) for f in files)


@pytest.mark.parametrize("name", list(DOWNLOAD_TYPES))
def test_a_download_is_an_unsniffable_attachment_of_the_guessed_type(
    registry_under_test: RegistryUnderTest, name: str
) -> None:
    api = alice(registry_under_test)
    folder = unique("dl")
    put(api, f"{folder}/deep/{name}", b"<p>x</p>")

    response = artifact_call(api, "GET", f"/{folder}/deep/{name}")

    assert response.status_code == 200
    assert response.content == b"<p>x</p>"
    assert response.headers["Content-Type"] == DOWNLOAD_TYPES[name]
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_upload_answers_as_the_servers_release_does(
    registry_under_test: RegistryUnderTest,
) -> None:
    response = artifact_call(alice(registry_under_test), "PUT", f"/{unique('up')}/a.txt", data=b"x")

    assert response.status_code == 200
    if on_3_9(registry_under_test):  # Flask's handler: an empty JSON object
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {}
    else:  # the FastAPI router streams the file and answers nothing
        assert response.content == b""
        assert "Content-Type" not in response.headers


def test_a_listing_sizes_files_and_not_directories(registry_under_test: RegistryUnderTest) -> None:
    api = alice(registry_under_test)
    folder = unique("ls")
    put(api, f"{folder}/model/MLmodel", b"abc")
    put(api, f"{folder}/notes.txt", b"hi")

    def listing(path: str) -> Any:
        response = artifact_call(api, "GET", "", params={"path": path})
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/json"
        return response.json()

    assert listing(folder) == {
        "files": [
            {"path": "model", "is_dir": True},
            {"path": "notes.txt", "is_dir": False, "file_size": 2},
        ]
    }
    assert listing(f"{folder}/model") == {
        "files": [{"path": "MLmodel", "is_dir": False, "file_size": 3}]
    }
    # A file, or nothing at all, lists as empty: protobuf JSON leaves the empty list out.
    assert listing(f"{folder}/notes.txt") == {}
    assert listing(f"{folder}/nothing") == {}


def test_a_missing_file_answers_as_the_servers_release_does(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    folder = unique("miss")
    put(api, f"{folder}/model/MLmodel", b"abc")

    missing = artifact_call(api, "GET", f"/{folder}/nothing.txt")
    directory = artifact_call(api, "GET", f"/{folder}/model")

    if on_3_9(registry_under_test):
        # The repository's failed download, as MLflow's error; a directory crashes Flask.
        assert (missing.status_code, missing.json()["error_code"]) == (500, "INTERNAL_ERROR")
        assert missing.json()["message"].startswith(
            "The following failures occurred while downloading one or more artifacts from"
        )
        assert directory.status_code == 500
        assert directory.headers["Content-Type"].startswith("text/html")
    else:
        assert missing.status_code == 404
        assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
        assert missing.json()["message"] == f"No such artifact: '{folder}/nothing.txt'"
        assert directory.status_code == 400
        assert directory.json() == {
            "detail": f"Artifact path refers to a directory, not a file: '{folder}/model'"
        }


def test_deleting_answers_an_empty_object_whether_or_not_the_file_was_there(
    registry_under_test: RegistryUnderTest,
) -> None:
    api = alice(registry_under_test)
    folder = unique("del")
    put(api, f"{folder}/a.txt", b"x")

    deleted = artifact_call(api, "DELETE", f"/{folder}/a.txt")
    again = artifact_call(api, "DELETE", f"/{folder}/a.txt")

    assert [(r.status_code, r.json()) for r in (deleted, again)] == [(200, {}), (200, {})]
    assert artifact_call(api, "GET", "", params={"path": folder}).json() == {}


def test_run_artifacts_through_mlflows_client(
    registry_under_test: RegistryUnderTest, tmp_path: Path
) -> None:
    client = registry_under_test.client_as("alice")
    run_id = client.create_run(client.create_experiment(unique("arts"))).info.run_id

    client.log_artifacts(run_id, str(model_files(tmp_path / "up")))
    client.log_artifact(run_id, str(tmp_path / "up" / "notes.txt"), artifact_path="more")

    assert entries(client.list_artifacts(run_id)) == [
        ("model", True, None),
        ("more", True, None),
        ("notes.txt", False, 2),
    ]
    assert entries(client.list_artifacts(run_id, "model")) == [("model/MLmodel", False, 3)]
    assert client.list_artifacts(run_id, "nothing") == []
    back = Path(client.download_artifacts(run_id, "model", str(tmp_path / "back")))
    assert (back / "MLmodel").read_bytes() == b"abc"


def test_run_artifact_listing_over_http(registry_under_test: RegistryUnderTest) -> None:
    api = alice(registry_under_test)
    run_id = api.run()
    run = api.ok("GET", "runs/get", params={"run_id": run_id})["run"]["info"]
    stored = run["artifact_uri"].removeprefix("mlflow-artifacts:/")
    put(api, f"{stored}/model/MLmodel", b"abc")
    put(api, f"{stored}/notes.txt", b"hi")

    def listing(**params: str) -> Any:
        return api.ok("GET", "artifacts/list", params={"run_id": run_id, **params})

    root = {"root_uri": run["artifact_uri"]}
    assert listing() == {
        **root,
        "files": [
            {"path": "model", "is_dir": True},
            {"path": "notes.txt", "is_dir": False, "file_size": 2},
        ],
    }
    assert listing(path="model") == {
        **root,
        "files": [{"path": "model/MLmodel", "is_dir": False, "file_size": 3}],
    }
    assert listing(path="notes.txt") == root
    assert listing(path="nothing") == root


def test_logged_model_artifacts_through_mlflows_client_and_http(
    registry_under_test: RegistryUnderTest, tmp_path: Path
) -> None:
    api = alice(registry_under_test)
    model = logged_model(api)
    client = registry_under_test.client_as("alice")

    client.log_model_artifacts(model["model_id"], str(model_files(tmp_path / "up")))

    assert entries(client.list_logged_model_artifacts(model["model_id"])) == [
        ("model", True, None),
        ("notes.txt", False, 2),
    ]
    assert entries(client.list_logged_model_artifacts(model["model_id"], "model")) == [
        ("model/MLmodel", False, 3)
    ]
    path = f"logged-models/{model['model_id']}/artifacts/directories"
    assert api.ok("GET", path, params={"artifact_directory_path": "model"}) == {
        "root_uri": model["artifact_uri"],
        "files": [{"path": "model/MLmodel", "is_dir": False, "file_size": 3}],
    }
    assert api.ok("GET", path, params={"artifact_directory_path": "nothing"}) == {
        "root_uri": model["artifact_uri"]
    }
