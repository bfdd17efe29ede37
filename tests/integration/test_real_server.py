"""The real-server stack itself: a real ``mlflow server`` behind the authenticating proxy.

These pin down what the SDK's integration tests stand on: the proxy's answers, that MLflow's
own client works through the ``/api/mlflow`` mount (artifacts included), and that an outage
looks like one (connection refused, fast) and heals with the registry's state intact.
Keys travel as ``MLFLOW_TRACKING_TOKEN`` here; the SDK sends them its own way.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import mlflow
import numpy as np
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException
from sklearn.linear_model import LogisticRegression

from fixtures.real_server import RealServer, RequestRecord
from fixtures.real_server.proxy import ProxyServer, RequestLog
from hokusai.support.mlflow_version import release
from hokusai.testing.proxy_rules import load_keys

pytestmark = pytest.mark.integration

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
BAD_KEY = "hk_live_" + "0" * 36

# Makes MLflow's client present a user's key; None sends no key, "unknown" an unknown one.
PresentKey = Callable[[str | None], None]


# The test itself puts a key in a query string, as the proxy contract allows; urllib3 logs
# request URLs at DEBUG, so the key canary sees it there.
sends_key_in_query = pytest.mark.key_canary_allow("logs", reason="sends the key in a query string")


@pytest.fixture
def as_user(live_server: RealServer, monkeypatch: pytest.MonkeyPatch) -> PresentKey:
    # Username/password (env or ~/.mlflow/credentials) would silently beat the token.
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_AUTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(live_server.workdir / "home"))
    # MLflow's default retries turn a refused connection into minutes of waiting.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")

    def present(user: str | None) -> None:
        if user is None:
            monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
        else:
            key = BAD_KEY if user == "unknown" else live_server.key_for(user)
            monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", key)

    return present


@pytest.fixture
def client(live_server: RealServer, as_user: PresentKey) -> MlflowClient:
    as_user("alice")
    return MlflowClient(
        tracking_uri=live_server.tracking_uri, registry_uri=live_server.tracking_uri
    )


def bearer(server: RealServer, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.key_for(user)}"}


def records_since(server: RealServer, count: int) -> list[RequestRecord]:
    return server.requests()[count:]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- the proxy's own answers -------------------------------------------------------------


def test_health_answers_without_a_key(live_server: RealServer) -> None:
    response = requests.get(live_server.health_url, timeout=5)

    assert response.status_code == 200
    assert response.json()["status"] == "healthy"
    assert live_server.requests()[-1].key_presented is False


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "error"),
    [
        ("GET", f"{API}/experiments/search", {}, 401, "API key required"),
        (
            "GET",
            f"{API}/experiments/search",
            {"Authorization": f"Bearer {BAD_KEY}"},
            401,
            "Invalid or expired API key",
        ),
        ("GET", f"{API}/experiments/search", "outsider", 403, "REGISTRY_ADMIN_REQUIRED"),
        ("POST", f"{API}/experiments/create", "reader", 403, "FORBIDDEN"),
        ("PUT", f"{ARTIFACTS}/0/x.bin", "reader", 403, "FORBIDDEN"),
    ],
    ids=["no-key", "bad-key", "outsider", "reader-writes", "reader-uploads"],
)
def test_proxy_refuses_without_forwarding(
    live_server: RealServer,
    method: str,
    path: str,
    headers: dict[str, str] | str,
    status: int,
    error: str,
) -> None:
    sent = bearer(live_server, headers) if isinstance(headers, str) else headers
    before = len(live_server.requests())

    response = requests.request(
        method, live_server.tracking_uri + path, headers=sent, data=b"{}", timeout=5
    )

    assert response.status_code == status
    assert response.json()["error"] == error
    if status == 401:
        assert response.json() == {"error": error}
    (record,) = records_since(live_server, before)
    assert (record.status, record.forwarded) == (status, False)


@sends_key_in_query
def test_proxy_accepts_the_key_in_any_documented_place(live_server: RealServer) -> None:
    key = live_server.key_for("reader")
    url = live_server.tracking_uri + f"{API}/experiments/search?max_results=1"

    by_header = requests.get(url, headers={"X-API-Key": key}, timeout=5)
    by_query = requests.get(url + f"&api_key={key}", timeout=5)

    assert by_header.status_code == by_query.status_code == 200
    sources = [r.key_source for r in live_server.requests()[-2:]]
    assert sources == ["x-api-key", "query"]


def test_unknown_path_is_a_json_404(live_server: RealServer) -> None:
    inside = requests.get(
        live_server.tracking_uri + "/no/such/page", headers=bearer(live_server, "alice"), timeout=5
    )
    outside = requests.get(live_server.base_url + "/elsewhere", timeout=5)

    assert inside.status_code == outside.status_code == 404
    assert inside.json()["error"] == outside.json()["error"] == "NOT_FOUND"


@sends_key_in_query
def test_request_log_never_holds_a_key(live_server: RealServer) -> None:
    requests.get(
        live_server.tracking_uri + f"{API}/experiments/search?api_key={live_server.key_for('bob')}",
        headers=bearer(live_server, "alice"),
        timeout=5,
    )

    text = live_server.request_log_path.read_text()
    assert not any(key in text for key in live_server.keys)
    assert live_server.requests()[-1].user == "alice"


# --- MLflow's own client through the proxy -------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status", "message"),
    [
        (None, 401, "API key required"),
        ("unknown", 401, "Invalid or expired API key"),
        ("outsider", 403, "not allowed to use the model registry"),
        ("reader", 403, "lacks the model:write or mlflow:write scope"),
    ],
)
def test_mlflow_client_meets_the_proxy_answer(
    live_server: RealServer, as_user: PresentKey, user: str | None, status: int, message: str
) -> None:
    as_user(user)
    client = MlflowClient(live_server.tracking_uri)
    before = len(live_server.requests())

    with pytest.raises(RestException) as caught:
        client.create_experiment(unique("refused"))

    # MLflow reports a body without `error_code` as INTERNAL_ERROR and drops the status: only
    # the `error` text survives, which is why the SDK must classify by status, not by text.
    assert caught.value.error_code == "INTERNAL_ERROR"
    assert message in str(caught.value)
    assert records_since(live_server, before)[-1].status == status


def test_reader_key_reads(live_server: RealServer, as_user: PresentKey) -> None:
    as_user("reader")
    client = MlflowClient(live_server.tracking_uri)

    # Only GET reads: MLflow sends experiments/search and runs/search as POST, which the
    # proxy rules count as writes, so a reader key cannot search experiments or runs.
    assert client.get_experiment_by_name("Default") is not None
    assert isinstance(client.search_registered_models(), list)


def test_mlflow_errors_pass_through(live_server: RealServer, client: MlflowClient) -> None:
    with pytest.raises(RestException) as caught:
        client.get_registered_model(unique("missing"))

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert live_server.requests()[-1].status == 404


def test_register_a_real_sklearn_model_and_load_it_back(
    live_server: RealServer, client: MlflowClient, tmp_path: Path
) -> None:
    features = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]])
    model = LogisticRegression().fit(features, [0, 1, 0, 1])
    model_dir = tmp_path / "model"
    # Explicit requirements skip MLflow's import-tracing subprocess, which costs seconds.
    mlflow.sklearn.save_model(model, str(model_dir), pip_requirements=["scikit-learn"])
    name = unique("iris")
    before = len(live_server.requests())

    experiment_id = client.create_experiment(unique("exp"))
    run_id = client.create_run(experiment_id).info.run_id
    logged = client.create_logged_model(experiment_id, name=name, source_run_id=run_id)
    client.log_model_artifacts(logged.model_id, str(model_dir))
    client.finalize_logged_model(logged.model_id, "READY")
    client.create_registered_model(name)
    version = client.create_model_version(
        name, source=logged.artifact_location, run_id=run_id, model_id=logged.model_id
    )
    client.set_registered_model_alias(name, "champion", version.version)

    assert client.get_model_version_by_alias(name, "champion").version == version.version
    downloaded = mlflow.artifacts.download_artifacts(
        artifact_uri=logged.artifact_location,
        dst_path=str(tmp_path / "downloaded"),
        tracking_uri=live_server.tracking_uri,
    )
    loaded = mlflow.pyfunc.load_model(downloaded)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    # The registry holds the real files, not a placeholder (sklearn 3.x writes model.skops).
    stored = {p.name for p in (live_server.workdir / "artifacts").rglob("*") if p.is_file()}
    assert "MLmodel" in stored
    assert any(name.startswith("model.") for name in stored), stored
    assert_artifact_traffic_was_authenticated(records_since(live_server, before))


def assert_artifact_traffic_was_authenticated(records: list[RequestRecord]) -> None:
    """MLflow's artifact repository rebuilds credentials per request; check it still sends them."""
    artifact = [r for r in records if "/mlflow-artifacts/" in r.path]
    uploads = [r for r in artifact if r.method == "PUT"]
    downloads = [r for r in artifact if r.method == "GET"]
    assert uploads and downloads
    assert all(r.key_source == "bearer" and r.user == "alice" for r in artifact), artifact
    assert all(r.status == 200 for r in artifact), artifact


def test_large_and_chunked_uploads_round_trip(live_server: RealServer) -> None:
    headers = bearer(live_server, "alice")
    base = live_server.tracking_uri + f"{ARTIFACTS}/0/{unique('blobs')}"
    sized = np.random.default_rng(0).bytes(12 * 1024 * 1024)

    def chunks() -> Iterator[bytes]:
        # A generator body makes requests send Transfer-Encoding: chunked.
        for index in range(40):
            yield bytes([index]) * 100_000

    assert requests.put(f"{base}/sized.bin", data=sized, headers=headers, timeout=30).ok
    assert requests.put(f"{base}/chunked.bin", data=chunks(), headers=headers, timeout=30).ok

    # Measured: an MLflow 3.9 server stores a chunked upload as an empty file. The SDK's uploads
    # are file bodies, which requests sends with a Content-Length.
    chunked = b"" if release(live_server.mlflow_version)[:2] == (3, 9) else b"".join(chunks())
    for name, expected in (("sized.bin", sized), ("chunked.bin", chunked)):
        back = requests.get(f"{base}/{name}", headers=headers, timeout=30)
        assert back.status_code == 200
        assert hashlib.sha256(back.content).digest() == hashlib.sha256(expected).digest()


# --- what the proxy sends on --------------------------------------------------------------


class _Echo(BaseHTTPRequestHandler):
    """A stand-in upstream that answers with what it received."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        payload = json.dumps(
            {"path": self.path, "headers": dict(self.headers.items()), "body": body.decode()}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy_to_echo(tmp_path: Path) -> Iterator[str]:
    """The proxy in-process, in front of `_Echo` instead of MLflow: no MLflow needed."""
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    proxy = ProxyServer(
        ("127.0.0.1", 0),
        ("127.0.0.1", upstream.server_address[1]),
        load_keys(Path(__file__).resolve().parents[2] / "fixtures" / "keys.json"),
        RequestLog(tmp_path / "log.jsonl"),
    )
    for server in (upstream, proxy):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{proxy.server_address[1]}"
    for server in (proxy, upstream):
        server.shutdown()
        server.server_close()


@sends_key_in_query
def test_proxy_strips_credentials_and_the_mount(
    proxy_to_echo: str, real_server: RealServer
) -> None:
    key = real_server.key_for("alice")

    seen = requests.post(
        f"{proxy_to_echo}/api/mlflow/api/2.0/mlflow/runs/create?api_key={key}&x=1",
        headers={"Authorization": f"Bearer {key}", "X-API-Key": key, "X-Custom": "kept"},
        data=b'{"a": 1}',
        timeout=5,
    ).json()

    assert seen["path"] == "/api/2.0/mlflow/runs/create?x=1"
    assert seen["body"] == '{"a": 1}'
    lowered = {k.lower(): v for k, v in seen["headers"].items()}
    assert "authorization" not in lowered
    assert "x-api-key" not in lowered
    assert lowered["x-custom"] == "kept"
    assert key not in json.dumps(seen)


# --- outages -----------------------------------------------------------------------------


def test_mlflow_down_behind_a_live_proxy_is_a_502(live_server: RealServer) -> None:
    live_server.kill_upstream()

    response = requests.get(
        live_server.tracking_uri + f"{API}/experiments/search",
        headers=bearer(live_server, "alice"),
        timeout=5,
    )

    assert response.status_code == 502
    assert response.json()["error"] == "BAD_GATEWAY"
    assert not live_server.is_up()


def refuses(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_killed_registry_refuses_fast_and_restarts_with_its_state(
    live_server: RealServer, client: MlflowClient
) -> None:
    name = unique("survivor")
    client.create_registered_model(name)

    live_server.kill()
    started = time.monotonic()
    with pytest.raises(MlflowException, match=r"Connection refused|NewConnectionError"):
        client.get_registered_model(name)
    elapsed = time.monotonic() - started

    assert elapsed < 2
    assert not live_server.is_up()
    assert refuses(live_server.proxy_port) and refuses(live_server.mlflow_port)
    live_server.start()
    assert live_server.is_up()
    assert client.get_registered_model(name).name == name
