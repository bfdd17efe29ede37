"""A model's files move in pieces: the client's memory does not grow with the model's size.

The artifact server here is a loopback HTTP server in this process that keeps files on disk and
moves them in small pieces too, so Python's traced memory during a transfer is the client's
buffers. A 32 MB file goes up through the registry's artifact repository and comes back down;
the peak may grow by a few MB of buffers, never by the file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from hokusai.mlflow_internals.routes import RoutedArtifactRepository
from hokusai.transport.classify import ErrorContext
from hokusai.transport.http_bounds import RegistryTransport
from tests.hardening.loopback import http_server

ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
PIECE = 64 * 1024
SIZE_MB = 32
# Buffers (a few pieces each in requests, urllib3, MLflow's download pool and the server):
# far below the file, which is what a whole-file read would add.
ALLOWED_GROWTH = 8 * 1024 * 1024


class DiskArtifacts(BaseHTTPRequestHandler):
    """PUT stores a file, GET returns it or lists a directory: MLflow's artifact API, on disk."""

    protocol_version = "HTTP/1.1"
    root: Path

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _local(self) -> Path:
        path = urlsplit(self.path).path
        assert path.startswith(ARTIFACTS + "/")
        return self.root / path[len(ARTIFACTS) + 1 :]

    def _json(self, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_PUT(self) -> None:
        target = self._local()
        target.parent.mkdir(parents=True, exist_ok=True)
        remaining = int(self.headers["Content-Length"])
        with target.open("wb") as out:
            while remaining:
                piece = self.rfile.read(min(PIECE, remaining))
                out.write(piece)
                remaining -= len(piece)
        self._json({})

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        if split.path == ARTIFACTS:
            listed = self.root / parse_qs(split.query)["path"][0]
            entries = sorted(listed.iterdir()) if listed.is_dir() else [listed]
            self._json(
                {
                    "files": [
                        {"path": e.name, "is_dir": e.is_dir(), "file_size": e.stat().st_size}
                        for e in entries
                    ]
                }
            )
            return
        source = self._local()
        self.send_response(200)
        self.send_header("Content-Length", str(source.stat().st_size))
        self.end_headers()
        with source.open("rb") as body:
            shutil.copyfileobj(body, self.wfile, PIECE)


@pytest.fixture
def artifact_server(tmp_path: Path) -> Iterator[str]:
    handler = type("Handler", (DiskArtifacts,), {"root": tmp_path / "served"})
    with http_server(handler) as url:
        yield url


def write_random(path: Path, megabytes: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for n in range(megabytes * 1024 * 1024 // PIECE):
            piece = hashlib.sha256(str(n).encode()).digest() * (PIECE // 32)
            digest.update(piece)
            out.write(piece)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for piece in iter(lambda: source.read(PIECE), b""):
            digest.update(piece)
    return digest.hexdigest()


def peak_growth_during(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def test_a_model_goes_up_and_comes_down_without_the_client_holding_it(
    artifact_server: str, tmp_path: Path
) -> None:
    model = tmp_path / "model"
    model.mkdir()
    digest = write_random(model / "weights.bin", SIZE_MB)
    (model / "MLmodel").write_text("flavors: {}\n")
    transport = RegistryTransport(
        artifact_server, timeout=30, context=ErrorContext(artifact_server)
    )
    location = f"{artifact_server}{ARTIFACTS}/1/models/m-1/artifacts"
    repo = RoutedArtifactRepository(location, transport, artifact_server)
    back = tmp_path / "back"
    back.mkdir()

    up = peak_growth_during(lambda: repo.log_artifacts(str(model), "model"))
    down = peak_growth_during(lambda: repo.download_artifacts("model", str(back)))

    assert sha256_of(back / "model" / "weights.bin") == digest
    assert (back / "model" / "MLmodel").read_text() == "flavors: {}\n"
    assert up < ALLOWED_GROWTH, f"uploading {SIZE_MB} MB grew the peak by {up:,} bytes"
    assert down < ALLOWED_GROWTH, f"downloading {SIZE_MB} MB grew the peak by {down:,} bytes"
