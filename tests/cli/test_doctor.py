"""``hokusai doctor``: one verdict per failure class, the right exit code, never the key."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli.output import (
    EXIT_AUTH,
    EXIT_NOT_REMOTE,
    EXIT_OK,
    EXIT_PERMISSION,
    EXIT_TLS,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
)
from hokusai.doctor import health_url
from hokusai.testing.faults import Fault
from tests.cli.conftest import UNKNOWN_KEY, Cli, FakeNetwork
from tests.conftest import KEYS

PROBE_PATH = r"registered-models/search"


def checks_of(result_out: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in json.loads(result_out)["checks"]}


def test_all_good_exits_0_and_says_where_registrations_go(
    cli: Cli, fake: Any, use_fake: Any
) -> None:
    use_fake(KEYS["alice"])
    result = cli("doctor")
    assert result.code == EXIT_OK
    assert f"OK: a registration would reach {fake.tracking_uri}" in result.out
    assert "hk_live_…oaqK" in result.out  # the masked key, with its source
    assert "environment variable HOKUSAI_API_KEY" in result.out
    assert "next: " in result.out
    # Health is asked without a key; the write check changed nothing on the registry.
    health = [r for r in fake.requests if r.path.endswith("/api/health/mlflow")]
    assert health and not health[0].key_presented
    assert fake.state.registered_models == {}


def test_json_report_has_every_setting_with_its_source_and_every_check(
    cli: Cli, use_fake: Any
) -> None:
    use_fake(KEYS["alice"])
    result = cli("doctor", "--json")
    report = json.loads(result.out)
    assert result.code == EXIT_OK == report["exit_code"]
    assert report["reaches_remote"] is True and report["blocker"] is None
    settings = {s["name"]: s for s in report["settings"]}
    assert settings["API key"] == {
        "name": "API key",
        "value": "hk_live_…oaqK",
        "source": "environment variable HOKUSAI_API_KEY",
    }
    assert settings["mode"]["source"] == "default"
    checks = checks_of(result.out)
    assert list(checks) == [
        "configuration",
        "mode",
        "dns",
        "tcp",
        "tls",
        "health",
        "registry read",
        "registry write",
    ]
    assert all(c["verdict"] == "ok" for c in checks.values())
    assert all(
        c["latency_ms"] is not None for n, c in checks.items() if n not in ("configuration", "mode")
    )
    assert isinstance(report["next_step"], str)


@pytest.mark.parametrize(
    ("key", "fault", "code", "failing", "says"),
    [
        # No key is the first thing to fix, whatever the network says.
        (None, None, EXIT_AUTH, "configuration", "No API key is set"),
        (UNKNOWN_KEY, None, EXIT_AUTH, "registry read", "Invalid or expired API key"),
        (KEYS["alice"], Fault.key_required(), EXIT_AUTH, "registry read", "saw no API key"),
        (KEYS["outsider"], None, EXIT_PERMISSION, "registry read", "REGISTRY_ADMIN_REQUIRED"),
        (KEYS["reader"], None, EXIT_PERMISSION, "registry write", "FORBIDDEN"),
        (KEYS["alice"], Fault.bad_gateway(), EXIT_UNAVAILABLE, "registry read", "HTTP 502"),
        (KEYS["alice"], Fault.internal_error(), EXIT_UNAVAILABLE, "registry read", "HTTP 500"),
    ],
    ids=["no-key", "401-invalid", "401-missing", "403-admin", "403-forbidden", "502", "500"],
)
def test_each_failure_class_has_its_verdict_and_exit_code(
    cli: Cli,
    fake: Any,
    use_fake: Any,
    key: str | None,
    fault: Fault | None,
    code: int,
    failing: str,
    says: str,
) -> None:
    use_fake(key)
    if fault is not None:
        fake.inject(fault, path=PROBE_PATH, times=None)
    result = cli("doctor", "--json")
    assert result.code == code
    report = json.loads(result.out)
    assert report["reaches_remote"] is False
    assert report["blocker"] == failing
    assert says in checks_of(result.out)[failing]["detail"]
    assert report["next_step"]
    text = cli("doctor")
    assert text.code == code
    assert "would NOT reach" in text.out and says in text.out


def test_a_read_only_key_is_caught_by_the_write_check_only(cli: Cli, use_fake: Any) -> None:
    use_fake(KEYS["reader"])
    checks = checks_of(cli("doctor", "--json").out)
    assert checks["registry read"]["verdict"] == "ok"
    assert checks["registry write"]["error"]["code"] == "FORBIDDEN"
    skipped = cli("doctor", "--no-write-check")
    assert skipped.code == EXIT_OK
    assert "Write access (model:write) is checked at the first registration." in skipped.out


def test_registry_down_is_unavailable(
    cli: Cli, fake: Any, use_fake: Any, network: FakeNetwork
) -> None:
    use_fake(KEYS["alice"])
    fake.go_down("refused")
    result = cli("doctor", "--json")
    assert result.code == EXIT_UNAVAILABLE
    checks = checks_of(result.out)
    assert checks["health"]["verdict"] == "warn"
    assert checks["registry read"]["error"]["type"] == "RegistryUnavailableError"
    network.refuse = True
    result = cli("doctor", "--json")
    checks = checks_of(result.out)
    assert (result.code, checks["tcp"]["verdict"]) == (EXIT_UNAVAILABLE, "fail")
    assert [checks[n]["verdict"] for n in ("tls", "health", "registry read")] == ["skip"] * 3


def test_nothing_listening_on_loopback_is_refused_for_real(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", f"http://127.0.0.1:{port}/api/mlflow")
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
    result = cli("doctor", "--json")
    checks = checks_of(result.out)
    assert result.code == EXIT_UNAVAILABLE
    assert checks["dns"]["verdict"] == "ok" and "127.0.0.1" in checks["dns"]["detail"]
    assert checks["tcp"]["verdict"] == "fail"
    assert "tls" not in checks  # plain http to this machine: no TLS to check


def test_tls_failure_is_its_own_exit_code(cli: Cli, use_fake: Any, network: FakeNetwork) -> None:
    use_fake(KEYS["alice"])
    network.tls_failure = True
    result = cli("doctor", "--json")
    assert result.code == EXIT_TLS
    assert checks_of(result.out)["tls"]["error"]["type"] == "TLSError"


def test_plain_http_to_another_host_is_refused_before_the_key_travels(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hokusai.testing.fake_server import FakeRegistryServer

    with FakeRegistryServer(base_url="http://registry.example.com") as server:
        monkeypatch.setenv("HOKUSAI_TRACKING_URI", server.tracking_uri)
        monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
        result = cli("doctor", "--json")
        assert not any(r.key_presented for r in server.requests)
    report = json.loads(result.out)
    assert result.code == EXIT_USAGE
    assert report["blocker"] == "configuration"
    assert "plain http" in checks_of(result.out)["configuration"]["detail"]
    assert "HOKUSAI_ALLOW_INSECURE_HTTP" in report["next_step"]
    settings = {s["name"]: s["value"] for s in report["settings"]}
    assert settings["allow insecure http"] == "false"
    assert "registry read" not in checks_of(result.out)


def test_behind_a_proxy_the_first_hop_is_the_proxy(
    cli: Cli, use_fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake(KEYS["alice"])
    monkeypatch.setenv("HTTPS_PROXY", "http://me:proxy-secret@proxy.corp.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = cli("doctor", "--json")
    checks = checks_of(result.out)
    assert result.code == EXIT_OK
    assert checks["dns"]["detail"].startswith("proxy.corp.example ->")
    assert "port 3128" in checks["tcp"]["detail"]
    assert checks["tls"]["verdict"] == "skip"
    assert "proxy-secret" not in result.text


def test_local_mode_never_reaches_the_remote(
    cli: Cli, use_fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake(KEYS["alice"])
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "local")
    result = cli("doctor")
    assert result.code == EXIT_NOT_REMOTE
    assert "HOKUSAI_MLFLOW_MODE" in result.out


def test_a_malformed_setting_is_a_configuration_failure(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "remot")
    result = cli("doctor", "--json")
    assert result.code == EXIT_USAGE
    assert json.loads(result.out)["blocker"] == "configuration"


def test_conflicting_settings_are_named(
    cli: Cli, use_fake: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_fake(KEYS["alice"])
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", KEYS["bob"])
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "someone")
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "auto")
    monkeypatch.setenv("HOKUSAI_MOCK_MODE", "false")
    credentials = tmp_path / "user-home" / ".mlflow" / "credentials"
    credentials.parent.mkdir(parents=True)
    credentials.write_text("[mlflow]\nmlflow_tracking_password = pw\n")
    result = cli("doctor", "--json")
    report = json.loads(result.out)
    conflicts = {c["name"]: c["verdict"] for c in report["conflicts"]}
    assert conflicts == {
        "MLflow basic auth": "warn",
        "MLFLOW_TRACKING_TOKEN": "warn",
        "HOKUSAI_MOCK_MODE": "warn",
    }
    assert len(report["conflicts"]) == 4  # basic auth from the environment and from the file
    assert result.code == EXIT_OK  # the SDK's own key still wins for the registry
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "basic")
    blocked = cli("doctor", "--json")
    assert blocked.code == EXIT_USAGE
    assert json.loads(blocked.out)["blocker"] == "MLFLOW_TRACKING_AUTH"


@pytest.mark.parametrize(
    ("uri", "health"),
    [
        ("https://registry.hokus.ai/api/mlflow", "https://registry.hokus.ai/api/health/mlflow"),
        ("http://127.0.0.1:5000/api/mlflow/", "http://127.0.0.1:5000/api/health/mlflow"),
        ("https://host/prefix/api/mlflow", "https://host/prefix/api/health/mlflow"),
        ("http://registry.hokus.ai/mlflow", "http://registry.hokus.ai/api/health/mlflow"),
    ],
)
def test_health_url_sits_outside_the_mlflow_mount(uri: str, health: str) -> None:
    assert health_url(uri) == health
