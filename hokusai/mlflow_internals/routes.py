# MLflow ships no type hints for these internals; the calls below mirror its own code.
# mypy: disable-error-code="no-untyped-call"
"""MLflow's stores and artifact repository, with every request sent through a RegistryTransport.

MLflow reads its retry count and timeout from the process environment on every request, so the
only way to give one registry its own bounds without changing the environment is to make the
requests ourselves. ``route_through(client, transport)`` swaps, in that one ``MlflowClient``
instance, the tracking store, the model-registry store and the artifact repositories for
subclasses of MLflow's own (``RestStore``, ``HttpArtifactRepository``) whose HTTP goes through
the registry's ``RegistryTransport``: its key, its TLS settings, its timeout as a total
deadline, no retries. Request bodies and answers are MLflow's own (same protos, same
``verify_rest_response``). Nothing process-wide is touched: other clients, the user's own
``MlflowClient`` and ``mlflow.*`` calls keep MLflow's settings.

What stays on MLflow's own path: MLflow services other than tracking, the model registry and
artifacts (tracing, gateway, webhooks), and artifact locations that are not on an MLflow
artifact server (``s3://``, ``file:``), which involve no request to the registry.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from mlflow import MlflowClient
from mlflow.entities import FileInfo
from mlflow.exceptions import RestException
from mlflow.protos.databricks_pb2 import ENDPOINT_NOT_FOUND, ErrorCode
from mlflow.store.artifact.artifact_repo import verify_artifact_path
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from mlflow.store.artifact.http_artifact_repo import HttpArtifactRepository
from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository
from mlflow.store.model_registry.rest_store import RestStore as RegistryRestStore
from mlflow.store.tracking.rest_store import RestStore as TrackingRestStore
from mlflow.tracking.request_header.registry import resolve_request_headers
from mlflow.utils.credentials import get_default_host_creds
from mlflow.utils.file_utils import relative_path_to_artifact_path
from mlflow.utils.proto_json_utils import parse_dict
from mlflow.utils.request_utils import augmented_raise_for_status
from mlflow.utils.rest_utils import verify_rest_response
from mlflow.utils.uri import validate_path_is_safe

from hokusai.mlflow_internals import (
    ModelRegistryClient,
    TrackingServiceClient,
    guess_mime_type,
    set_service_clients,
)
from hokusai.transport import http_trace
from hokusai.transport.http_bounds import RegistryTransport
from hokusai.transport.side_by_side import run_all

_ARTIFACTS_ENDPOINT = "/mlflow-artifacts/artifacts"
# Files of one model uploaded at the same time (a saved model is a handful of files).
UPLOADS_AT_ONCE = 4


class Translation(Protocol):
    """Rewrites request and answer bodies (JSON, as dicts) between a store's caller and the
    server: e.g. artifact locations in a URI scheme the caller resolves differently."""

    def outgoing(self, body: Any) -> Any: ...

    def incoming(self, body: Any) -> Any: ...


class _Unchanged:
    def outgoing(self, body: Any) -> Any:
        return body

    def incoming(self, body: Any) -> Any:
        return body


UNCHANGED: Translation = _Unchanged()


def call_endpoint(
    transport: RegistryTransport,
    endpoint: str,
    method: str,
    json_body: str | None,
    response_proto: Any,
    extra_headers: dict[str, str] | None = None,
    translation: Translation = UNCHANGED,
) -> Any:
    """``mlflow.utils.rest_utils.call_endpoint``, over the registry's transport."""
    body = translation.outgoing(json.loads(json_body)) if json_body is not None else None
    payload = {"params": body} if method == "GET" else {"json": body}
    headers = {**resolve_request_headers(), **(extra_headers or {})}
    response = transport.answer(method, endpoint, headers=headers, **payload)
    response = verify_rest_response(response, endpoint)
    if response.status_code == 204:
        return response_proto
    parse_dict(js_dict=translation.incoming(json.loads(response.text)), message=response_proto)
    return response_proto


class _RoutedStore:
    """MLflow's ``RestStore`` constructor, plus the transport its requests go through."""

    def __init__(self, transport: RegistryTransport, translation: Translation = UNCHANGED) -> None:
        # MLflow's own host credentials stay available to the store code that reads them.
        super().__init__(lambda: get_default_host_creds(transport.base_uri))  # type: ignore[call-arg]
        self._hokusai_transport = transport
        self._hokusai_translation = translation


class RoutedTrackingStore(_RoutedStore, TrackingRestStore):  # type: ignore[misc]
    def _call_endpoint(
        self,
        api: Any,
        json_body: str | None = None,
        endpoint: str | None = None,
        retry_timeout_seconds: float | None = None,
        response_proto: Any = None,
    ) -> Any:
        table = self._V3_METHOD_TO_INFO if api in self._V3_APIS else self._METHOD_TO_INFO
        default_endpoint, method = table[api]
        return call_endpoint(
            self._hokusai_transport,
            endpoint or default_endpoint,
            method,
            json_body,
            response_proto or api.Response(),
            translation=self._hokusai_translation,
        )


class RoutedRegistryStore(_RoutedStore, RegistryRestStore):
    def _call_endpoint(
        self,
        api: Any,
        json_body: str | None,
        call_all_endpoints: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        response_proto = self._get_response_from_method(api)
        endpoints = (
            self._get_all_endpoints_from_method(api)
            if call_all_endpoints
            else [self._get_endpoint_from_method(api)]
        )
        # As MLflow's call_endpoints: try each endpoint until one exists on the server.
        for i, (endpoint, method) in enumerate(endpoints):
            try:
                return call_endpoint(
                    self._hokusai_transport,
                    endpoint,
                    method,
                    json_body,
                    response_proto,
                    extra_headers,
                    self._hokusai_translation,
                )
            except RestException as exc:
                if exc.error_code != ErrorCode.Name(ENDPOINT_NOT_FOUND) or i == len(endpoints) - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


class RoutedArtifactRepository(HttpArtifactRepository):
    """Artifacts on the registry's artifact server; one file per request (no multipart)."""

    def __init__(self, artifact_uri: str, transport: RegistryTransport, tracking_uri: str):
        if artifact_uri.startswith("mlflow-artifacts:"):
            artifact_uri = MlflowArtifactsRepository.resolve_uri(artifact_uri, tracking_uri)
        super().__init__(artifact_uri, tracking_uri=tracking_uri)
        self._hokusai_transport = transport
        # MLflow downloads in its own thread pool, which does not see this thread's context:
        # hand the operation's response log to those threads explicitly.
        self._hokusai_log = http_trace.current()

    def _file_url(self, path: str) -> str:
        return str(self.artifact_uri).rstrip("/") + posixpath.join("/", path)

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        verify_artifact_path(artifact_path)
        file_name = os.path.basename(local_file)
        path = posixpath.join(artifact_path, file_name) if artifact_path else file_name
        response = self._hokusai_transport.upload(
            self._file_url(path),
            Path(local_file),
            headers={"Content-Type": guess_mime_type(file_name)},
            log=self._hokusai_log,
        )
        augmented_raise_for_status(response)

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        """Every file under ``local_dir``: the smallest first, alone, then the others a few at
        a time (each upload mostly waits on the server, and still streams its file from disk).

        A registry that refuses uploads (no permission, artifacts switched off) refuses the
        first, and no other is sent.
        """
        local_dir = os.path.abspath(local_dir)
        files: list[tuple[str, str | None]] = []
        for root, _, filenames in os.walk(local_dir):
            directory = artifact_path
            if root != local_dir:
                relative = relative_path_to_artifact_path(os.path.relpath(root, local_dir))
                directory = posixpath.join(artifact_path, relative) if artifact_path else relative
            files.extend((os.path.join(root, name), directory) for name in filenames)
        files.sort(key=lambda file: os.path.getsize(file[0]))
        uploads = [functools.partial(self.log_artifact, *file) for file in files]
        run_all(uploads[:1], at_most=1)
        run_all(uploads[1:], at_most=UPLOADS_AT_ONCE)

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        base, tail = str(self.artifact_uri).split(_ARTIFACTS_ENDPOINT, maxsplit=1)
        root = tail.lstrip("/")
        response = self._hokusai_transport.answer(
            "GET",
            base + _ARTIFACTS_ENDPOINT,
            params={"path": posixpath.join(root, path) if path else root},
            log=self._hokusai_log,
        )
        augmented_raise_for_status(response)
        infos = []
        for entry in response.json().get("files", []):
            safe = validate_path_is_safe(entry["path"])
            infos.append(
                FileInfo(
                    posixpath.join(path, safe) if path else safe,
                    entry["is_dir"],
                    int(entry["file_size"]) if "file_size" in entry else None,
                )
            )
        # MLflow's contract: listing a single file's path gives an empty list.
        if (
            len(infos) == 1
            and not infos[0].is_dir
            and path is not None
            and infos[0].path == posixpath.join(path, os.path.basename(path))
        ):
            return []
        return sorted(infos, key=lambda info: info.path)

    def _download_file(self, remote_file_path: str, local_path: str) -> None:
        self._hokusai_transport.download(
            self._file_url(remote_file_path), Path(local_path), log=self._hokusai_log
        )

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        response = self._hokusai_transport.answer(
            "DELETE", self._file_url(artifact_path or ""), log=self._hokusai_log
        )
        augmented_raise_for_status(response)


def artifact_repository(location: str, transport: RegistryTransport, tracking_uri: str) -> Any:
    """The repository for ``location``: routed when the registry's artifact server holds it."""
    if urlsplit(location).scheme in ("mlflow-artifacts", "http", "https"):
        return RoutedArtifactRepository(location, transport, tracking_uri)
    return get_artifact_repository(location, tracking_uri=tracking_uri)


class RoutedTrackingClient(TrackingServiceClient):  # type: ignore[misc]
    def __init__(self, tracking_uri: str, transport: RegistryTransport) -> None:
        self._hokusai_transport = transport
        self._hokusai_store = RoutedTrackingStore(transport)
        super().__init__(tracking_uri)

    @property
    def store(self) -> RoutedTrackingStore:
        return self._hokusai_store

    def _get_artifact_repo(self, resource_id: str, *, resource: str = "run") -> Any:
        if resource == "run":
            location = self.get_run(resource_id).info.artifact_uri
        else:
            location = self.get_logged_model(resource_id).artifact_location
        return artifact_repository(location, self._hokusai_transport, self.tracking_uri)

    def list_artifacts(self, run_id: str, path: str | None = None) -> Any:
        return self._get_artifact_repo(run_id).list_artifacts(path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None) -> Any:
        return self._get_artifact_repo(run_id).download_artifacts(path, dst_path)

    def _log_url(self, run_id: str) -> None:
        """MLflow prints a "View run" link here, costing a request; on this registry it points
        at the API mount, not at a page anyone can open."""


class RoutedRegistryClient(ModelRegistryClient):  # type: ignore[misc]
    def __init__(self, uri: str, transport: RegistryTransport) -> None:
        self._hokusai_store = RoutedRegistryStore(transport)
        super().__init__(uri, uri)

    @property
    def store(self) -> RoutedRegistryStore:
        return self._hokusai_store


def route_through(client: MlflowClient, transport: RegistryTransport) -> MlflowClient:
    """Send every tracking, registry and artifact request of ``client`` through ``transport``.

    Changes that one client instance only (its private service clients are replaced).
    """
    uri = transport.base_uri
    set_service_clients(
        client, RoutedTrackingClient(uri, transport), RoutedRegistryClient(uri, transport)
    )
    return client
