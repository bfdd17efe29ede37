"""The connectivity check follows MLflow's own TLS settings exactly as MLflow's client does.

A user whose registry sits behind a private CA sets ``MLFLOW_TRACKING_SERVER_CERT_PATH`` (or,
for a test server, ``MLFLOW_TRACKING_INSECURE_TLS``), and a client certificate with
``MLFLOW_TRACKING_CLIENT_CERT_PATH``; MLflow's client then works, and the SDK's check must
agree with it, or ``auto`` falls back to the local store while MLflow itself would connect.
Each case runs the check and a plain ``MlflowClient`` against the same loopback https server.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mlflow import MlflowClient

from hokusai.container import Container
from hokusai.errors import ConfigurationError, TLSError
from tests.conftest import KEYS
from tests.hardening.loopback import LoopbackServer, Servers, probe_ok


@dataclass(frozen=True)
class Pem:
    cert: Path
    key: Path
    both: Path  # certificate and key in one file, as requests' ``cert=`` takes them


def self_signed(directory: Path, name: str) -> Pem:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    paths = Pem(directory / f"{name}.crt", directory / f"{name}.key", directory / f"{name}.pem")
    paths.cert.write_bytes(cert_pem)
    paths.key.write_bytes(key_pem)
    paths.both.write_bytes(cert_pem + key_pem)
    return paths


@pytest.fixture(scope="module")
def pems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pem]:
    directory = tmp_path_factory.mktemp("tls")
    return {name: self_signed(directory, name) for name in ("server", "client")}


def https_context(pems: dict[str, Pem], *, client_cert_required: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pems["server"].cert, pems["server"].key)
    if client_cert_required:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(pems["client"].cert)
    return context


@pytest.fixture
def serve() -> Iterator[Servers]:
    with Servers() as servers:
        yield servers


@pytest.fixture
def plain_https(pems: dict[str, Pem], serve: Servers) -> LoopbackServer:
    return serve(probe_ok, tls=https_context(pems, client_cert_required=False))


@pytest.fixture
def mutual_https(pems: dict[str, Pem], serve: Servers) -> LoopbackServer:
    return serve(probe_ok, tls=https_context(pems, client_cert_required=True))


def check(server: LoopbackServer) -> Any:
    container = Container()
    container.arguments.override(
        {"tracking_uri": server.url, "api_key": KEYS["alice"], "mode": "remote"}
    )
    return container.probe().check()


def mlflow_connects(server: LoopbackServer) -> bool:
    """What the user's own MLflow client makes of the same settings."""
    client = MlflowClient(tracking_uri=server.url, registry_uri=server.url)
    try:
        client.search_registered_models(max_results=1)
    except Exception:
        return False
    return True


@pytest.fixture(autouse=True)
def no_mlflow_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # The user's own client, in this test: a refused handshake would be retried for minutes.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")


def settings(pems: dict[str, Pem], names: tuple[str, ...]) -> dict[str, str]:
    values = {
        "server_cert": ("MLFLOW_TRACKING_SERVER_CERT_PATH", str(pems["server"].cert)),
        "insecure": ("MLFLOW_TRACKING_INSECURE_TLS", "true"),
        "client_cert": ("MLFLOW_TRACKING_CLIENT_CERT_PATH", str(pems["client"].both)),
    }
    return dict(values[name] for name in names)


@pytest.mark.parametrize(
    ("names", "connects"),
    [
        ((), False),
        (("server_cert",), True),
        (("insecure",), True),
    ],
    ids=["no-settings", "server-cert-path", "insecure-tls"],
)
def test_the_check_trusts_the_server_as_mlflow_does(
    plain_https: LoopbackServer,
    pems: dict[str, Pem],
    monkeypatch: pytest.MonkeyPatch,
    names: tuple[str, ...],
    connects: bool,
) -> None:
    for name, value in settings(pems, names).items():
        monkeypatch.setenv(name, value)

    outcome = check(plain_https)

    assert mlflow_connects(plain_https) is connects
    assert outcome.reachable is connects
    if not connects:
        assert isinstance(outcome.error, TLSError)


@pytest.mark.parametrize(
    ("names", "connects"),
    [(("server_cert",), False), (("server_cert", "client_cert"), True)],
    ids=["without-client-cert", "client-cert-path"],
)
def test_the_check_presents_mlflows_client_certificate(
    mutual_https: LoopbackServer,
    pems: dict[str, Pem],
    monkeypatch: pytest.MonkeyPatch,
    names: tuple[str, ...],
    connects: bool,
) -> None:
    for name, value in settings(pems, names).items():
        monkeypatch.setenv(name, value)

    outcome = check(mutual_https)

    assert mlflow_connects(mutual_https) is connects
    assert outcome.reachable is connects


def test_insecure_together_with_a_ca_path_is_refused_before_any_request(
    plain_https: LoopbackServer, pems: dict[str, Pem], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in settings(pems, ("server_cert", "insecure")).items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as raised:
        check(plain_https)

    assert isinstance(raised.value, ValueError)
    assert "MLFLOW_TRACKING_INSECURE_TLS" in str(raised.value)
    assert not mlflow_connects(plain_https)  # MLflow refuses the combination too
    assert plain_https.exchanges == []
