"""What MLflow's artifact client talks to: the proxied artifact service and server-info
(where the installed release's server has it).

As with ``mlflow server --serve-artifacts``, an ``mlflow-artifacts:/<path>`` URI is served
under ``/api/2.0/mlflow-artifacts/artifacts/<path>``: PUT stores the request body, GET
returns it, GET on the root with ``?path=`` lists a directory and DELETE removes a subtree.
Stored paths are the URI paths, e.g. ``1/models/m-.../artifacts/MLmodel``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from mlflow.version import VERSION as MLFLOW_VERSION

from hokusai.mlflow_internals import guess_mime_type
from hokusai.testing import mlflow_rules as rules
from hokusai.testing.fake_api import (
    ARTIFACTS_ROOT,
    ARTIFACTS_SCHEME,
    ApiError,
    ApiReply,
    ApiRequest,
    MlflowStore,
    Routes,
    WerkzeugAnswer,
    not_found,
)
from hokusai.testing.fake_entities import JsonDict

route = Routes()

# What a database-backed `mlflow server --serve-artifacts` advertises (measured on 3.17.2),
# except that presigned uploads and the AI gateway are answered false on purpose: the fake
# serves neither endpoint, so it does not advertise them (docs/testing.md).
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


def _server_info_at_root(store: MlflowStore, request: ApiRequest) -> JsonDict:
    return {"store_type": SERVER_INFO["store_type"]}


# Where the installed release's server answers it: /server-info with the store type alone
# (3.9), or under the 3.0 API and its ajax twin (newer releases), never both.
if rules.serves_server_info:
    route("GET", "/api/3.0/mlflow/server-info")(_server_info)
    route("GET", "/ajax-api/3.0/mlflow/server-info")(_server_info)
if rules.serves_server_info_at_root:
    route("GET", "/server-info")(_server_info_at_root)


@route("GET", "/version")
def _version(store: MlflowStore, request: ApiRequest) -> ApiReply:
    # The MLflow release that answers: the one the fake's rules come from.
    return ApiReply(200, MLFLOW_VERSION.encode(), "text/plain")


@route("GET", "/health")
def _health(store: MlflowStore, request: ApiRequest) -> ApiReply:
    return ApiReply(200, b"OK", "text/plain")


def _artifact_path(request: ApiRequest, name: str = "artifact_path") -> str:
    """The path the artifact service reads from the URL (``name``) or the ``path`` query, as
    MLflow's own check leaves it ("Invalid path" for "..", an absolute path, "#")."""
    path = request.text(name)
    if name == "artifact_path" and not rules.artifacts_served_by_fastapi:
        # Flask routes the decoded URL with repeated slashes merged: `//etc/x` is `etc/x`.
        path = re.sub("/+", "/", unquote(path)).lstrip("/")
    return rules.validate_artifact_path(path)


def _is_directory(store: MlflowStore, path: str) -> bool:
    prefix = path.rstrip("/") + "/"
    return any(stored.startswith(prefix) for stored in store.artifacts)


@route("PUT", f"{ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _upload(store: MlflowStore, request: ApiRequest) -> ApiReply | JsonDict:
    store.artifacts[_artifact_path(request)] = request.body
    # The streaming (FastAPI) upload answers with no body at all.
    return ApiReply(200, b"", "") if rules.artifacts_served_by_fastapi else {}


@route("GET", f"{ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _download(store: MlflowStore, request: ApiRequest) -> ApiReply:
    path = _artifact_path(request)
    if _is_directory(store, path):
        if not rules.artifacts_served_by_fastapi:
            # Flask's page for an exception its handler does not catch (3.9).
            raise WerkzeugAnswer(500)
        detail = f"Artifact path refers to a directory, not a file: '{path}'"
        return ApiReply(400, json.dumps({"detail": detail}).encode())
    if path not in store.artifacts:
        if rules.artifacts_served_by_fastapi:
            raise not_found(f"No such artifact: '{path}'")
        # 3.9's Flask handler downloads through the artifact repository, which reports a
        # missing file as a failed download.
        raise ApiError(
            500,
            "INTERNAL_ERROR",
            "The following failures occurred while downloading one or more artifacts from "
            f"mlflow-artifacts:/{path}: {{'{path}': 'No such file or directory'}}",
        )
    # As the server: the type MLflow guesses from the name (text/plain for .json, .yaml,
    # MLmodel; application/octet-stream for .pkl or no extension), sent as an attachment the
    # browser must not sniff (an uploaded .html or .svg is never rendered).
    headers = {
        "Content-Disposition": f"attachment; filename={path.rsplit('/', 1)[-1]}",
        "X-Content-Type-Options": "nosniff",
    }
    return ApiReply(200, store.artifacts[path], guess_mime_type(path), headers)


def listing(store: MlflowStore, directory: str) -> list[JsonDict]:
    """The entries directly under ``directory`` ("" for the root), as the server lists them:
    files with their size, directories without one; nothing for a file or a missing path."""
    prefix = directory.strip("/") + "/" if directory.strip("/") else ""
    files: dict[str, JsonDict] = {}
    for path, content in store.artifacts.items():
        if not path.startswith(prefix):
            continue
        child, slash, _ = path[len(prefix) :].partition("/")
        if slash:
            files[child] = {"path": child, "is_dir": True}
        else:
            files.setdefault(child, {"path": child, "is_dir": False, "file_size": len(content)})
    return [files[name] for name in sorted(files)]


@route("GET", f"{ARTIFACTS_ROOT}/?")
def _list(store: MlflowStore, request: ApiRequest) -> JsonDict:
    files = listing(store, _artifact_path(request, "path"))
    # Like protobuf JSON, an empty listing has no "files" field at all.
    return {"files": files} if files else {}


@route("DELETE", f"{ARTIFACTS_ROOT}/(?P<artifact_path>.+)")
def _delete(store: MlflowStore, request: ApiRequest) -> JsonDict:
    path = _artifact_path(request)
    for stored in [p for p in store.artifacts if p == path or p.startswith(path + "/")]:
        del store.artifacts[stored]
    return {}


def _list_under(store: MlflowStore, root_uri: str, path: str) -> JsonDict:
    """A run's or logged model's listing: entries named from its root (``model/MLmodel``)."""
    path = rules.validate_artifact_path(path).strip("/")
    # Only artifacts the service stores can be listed; any other location lists empty.
    stored = root_uri[len(ARTIFACTS_SCHEME) :].strip("/")
    inside = f"{stored}/{path}" if path else stored
    files = [
        {**entry, "path": f"{path}/{entry['path']}" if path else entry["path"]}
        for entry in (listing(store, inside) if root_uri.startswith(ARTIFACTS_SCHEME) else [])
    ]
    return {"root_uri": root_uri, **({"files": files} if files else {})}


@route("GET", "artifacts/list")
def _list_run_artifacts(store: MlflowStore, request: ApiRequest) -> JsonDict:
    run = store.run(request.run_id())
    return _list_under(store, run.artifact_uri, request.text("path"))


@route("GET", "logged-models/(?P<model_id>[^/]+)/artifacts/directories")
def _list_logged_model_artifacts(store: MlflowStore, request: ApiRequest) -> JsonDict:
    model = store.logged_model(request.required("model_id"))
    return _list_under(store, model.artifact_location, request.text("artifact_directory_path"))
