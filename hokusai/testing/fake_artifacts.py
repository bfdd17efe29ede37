"""What MLflow's artifact client talks to: the proxied artifact service and server-info
(where the installed release's server has it).

As with ``mlflow server --serve-artifacts``, an ``mlflow-artifacts:/<path>`` URI is served
under ``/api/2.0/mlflow-artifacts/artifacts/<path>``: PUT stores the request body, GET
returns it, GET on the root with ``?path=`` lists a directory and DELETE removes a subtree.
Stored paths are the URI paths, e.g. ``1/models/m-.../artifacts/MLmodel``.
"""

from __future__ import annotations

from urllib.parse import unquote

from mlflow.version import VERSION as MLFLOW_VERSION

from hokusai.testing import mlflow_rules as rules
from hokusai.testing.fake_api import (
    ARTIFACTS_ROOT,
    ApiReply,
    ApiRequest,
    MlflowStore,
    Routes,
    invalid,
    not_found,
)
from hokusai.testing.fake_entities import JsonDict

route = Routes()

# What a database-backed `mlflow server --serve-artifacts` advertises, minus multipart
# transfers, which would send the client to presigned URLs the fake does not serve.
SERVER_INFO: JsonDict = {
    "store_type": "SqlStore",
    "workspaces_enabled": False,
    "trace_archival_enabled": False,
    "multipart_uploads_enabled": False,
    "multipart_downloads_enabled": False,
    "presigned_upload_run_id_supported": False,
    "presigned_upload_model_id_supported": False,
    "features_enabled": {"gateway": False},
}


def _server_info(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return dict(SERVER_INFO)


# An MLflow 3.9 server has no such endpoint (nor does its client ask for one).
if rules.serves_server_info:
    route("GET", "/api/3.0/mlflow/server-info")(_server_info)


@route("GET", "/version")
def _version(store: MlflowStore, request: ApiRequest) -> ApiReply:
    # The MLflow release that answers: the one the fake's rules come from.
    return ApiReply(200, MLFLOW_VERSION.encode(), "text/plain")


@route("GET", "/health")
def _health(store: MlflowStore, request: ApiRequest) -> ApiReply:
    return ApiReply(200, b"OK", "text/plain")


def _artifact_path(request: ApiRequest, name: str = "artifact_path") -> str:
    path = unquote(request.text(name)).strip("/")
    if not path or ".." in path.split("/") or "\\" in path:
        raise invalid(f"Invalid artifact path: '{request.text(name)}'")
    return path


@route("PUT", f"{ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _upload(store: MlflowStore, request: ApiRequest) -> JsonDict:
    store.artifacts[_artifact_path(request)] = request.body
    return {}


@route("GET", f"{ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _download(store: MlflowStore, request: ApiRequest) -> ApiReply:
    path = _artifact_path(request)
    if path not in store.artifacts:
        raise not_found(f"Artifact '{path}' does not exist")
    return ApiReply(200, store.artifacts[path], "application/octet-stream")


@route("GET", f"{ARTIFACTS_ROOT}/?")
def _list(store: MlflowStore, request: ApiRequest) -> JsonDict:
    prefix = _artifact_path(request, "path") + "/" if request.text("path").strip("/") else ""
    files: dict[str, JsonDict] = {}
    for path, content in store.artifacts.items():
        if not path.startswith(prefix):
            continue
        child, slash, _ = path[len(prefix) :].partition("/")
        if slash:
            files[child] = {"path": child, "is_dir": True}
        else:
            files.setdefault(child, {"path": child, "is_dir": False, "file_size": len(content)})
    # Like protobuf JSON, an empty listing has no "files" field at all.
    return {"files": [files[name] for name in sorted(files)]} if files else {}


@route("DELETE", f"{ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _delete(store: MlflowStore, request: ApiRequest) -> JsonDict:
    path = _artifact_path(request)
    for stored in [p for p in store.artifacts if p == path or p.startswith(path + "/")]:
        del store.artifacts[stored]
    return {}
