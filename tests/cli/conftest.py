"""Drive the ``hokusai`` command line as a user does, against the fake hosted registry.

Commands run in-process (``main(argv)``) because the fake registry lives in this process. Every
run checks that no API key from the suite shows up in what the user sees.
"""

from __future__ import annotations

import io
import shutil
import ssl
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend

from hokusai.cli import doctor as doctor_cli
from hokusai.cli.main import main
from hokusai.config.tracking import is_loopback
from hokusai.doctor import SocketNetwork
from tests.conftest import KEYS

# A key no registry knows, well-formed: for "invalid or expired".
UNKNOWN_KEY = "hk_live_" + "Zq8" * 12
SECRETS = (*KEYS.values(), UNKNOWN_KEY)
FAKE_ADDRESS = "192.0.2.10"  # TEST-NET-1: never routed


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Cli = Callable[..., Result]


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        # A key split across lines or cut short would still be a leak.
        assert secret[8:24] not in text


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        result = Result(code, captured.out, captured.err)
        assert_no_secret(result.text)
        return result

    return run


class Terminal(io.StringIO):
    """A stream that says it is a terminal: prompts and progress lines appear on it."""

    def isatty(self) -> bool:
        return True


class MemoryKeyring(KeyringBackend):
    """A working OS keyring, as far as the SDK can tell."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.secrets[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def null_keyring() -> Iterator[None]:
    # The null backend from PYTHON_KEYRING_BACKEND is read once per process; select it here too.
    from keyring.backends import null

    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def type_key(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))


def prompt_gives(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": key)


class FakeNetwork:
    """Loopback hosts get the real network; any other host "resolves" to a TEST-NET address
    and connects, unless told to refuse or to fail TLS. The fake registry answers HTTP itself.
    """

    def __init__(self) -> None:
        self.real = SocketNetwork()
        self.refuse = False
        self.tls_failure = False

    def resolve(self, host: str, port: int, timeout: float) -> list[str]:
        return self.real.resolve(host, port, timeout) if is_loopback(host) else [FAKE_ADDRESS]

    def connect(self, address: str, port: int, timeout: float) -> None:
        if address != FAKE_ADDRESS:
            self.real.connect(address, port, timeout)
        elif self.refuse:
            raise ConnectionRefusedError(111, "Connection refused")

    def handshake(self, host: str, address: str, port: int, timeout: float) -> str:
        if address != FAKE_ADDRESS:
            return self.real.handshake(host, address, port, timeout)
        if self.tls_failure:
            raise ssl.SSLCertVerificationError(1, "certificate verify failed")
        return "TLSv1.3"


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeNetwork:
    fake = FakeNetwork()
    monkeypatch.setattr(doctor_cli, "network_factory", lambda: fake)
    # ~/.mlflow/credentials is read from HOME: never the developer's own.
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    return fake


@pytest.fixture
def home(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local MLflow store with its schema created: migrations take ~2 s per new database."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    client = MlflowClient(tracking_uri=f"sqlite:///{path}", registry_uri=f"sqlite:///{path}")
    client.search_registered_models()
    return path


@pytest.fixture
def local_store(home: Path, migrated_db: Path) -> Path:
    """The default local store under this test's HOKUSAI_HOME, ready to use."""
    target = home / "mlflow" / "mlflow.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(migrated_db, target)
    return target


@pytest.fixture
def use_fake(fake: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None], None]:
    """Point the SDK at the fake registry with a user's key (None: no key)."""
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", fake.tracking_uri)

    def present(key: str | None) -> None:
        if key is None:
            monkeypatch.delenv("HOKUSAI_API_KEY", raising=False)
        else:
            monkeypatch.setenv("HOKUSAI_API_KEY", key)

    return present
