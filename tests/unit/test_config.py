"""Settings resolve argument > environment > config file > default, and say where they came from."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hokusai.config import DEFAULT_TRACKING_URI, Mode, TrackingConfig
from hokusai.errors import ConfigurationError, InsecureTransportError
from tests.conftest import KEYS

ALICE = KEYS["alice"]


def resolve(env: dict[str, str] | None = None, **arguments: object) -> TrackingConfig:
    return TrackingConfig.resolve(arguments=arguments, environ=env or {})


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config").write_text(text)


def test_defaults_and_their_sources(tmp_path: Path) -> None:
    config = resolve(home=tmp_path)
    assert config.mode.value is Mode.AUTO and config.mode.source == "default"
    assert config.remote_uri.value == DEFAULT_TRACKING_URI
    assert config.local_uri.value == f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}"
    assert config.probe_timeout.value == 3.0
    assert config.api_key is None


def test_argument_beats_environment_beats_file(tmp_path: Path) -> None:
    write_config(tmp_path, "[default]\ntracking_uri = https://file.example/api/mlflow\n")
    env = {"HOKUSAI_HOME": str(tmp_path)}
    assert resolve(env).remote_uri.source == f"config file {tmp_path / 'config'}"
    env["HOKUSAI_TRACKING_URI"] = "https://env.example/api/mlflow/"
    from_env = resolve(env).remote_uri
    assert from_env.value == "https://env.example/api/mlflow"
    assert from_env.source == "environment variable HOKUSAI_TRACKING_URI"
    from_arg = resolve(env, tracking_uri="https://arg.example/api/mlflow").remote_uri
    assert (from_arg.value, from_arg.source) == ("https://arg.example/api/mlflow", "argument")


def test_legacy_mlflow_tracking_uri_sits_below_the_new_variable(tmp_path: Path) -> None:
    env = {"HOKUSAI_HOME": str(tmp_path), "MLFLOW_TRACKING_URI": "https://legacy.hokus.ai/mlflow"}
    assert resolve(env).remote_uri.source == "environment variable MLFLOW_TRACKING_URI"
    env["HOKUSAI_TRACKING_URI"] = "https://new.example/api/mlflow"
    assert resolve(env).remote_uri.value == "https://new.example/api/mlflow"


def test_a_local_mlflow_tracking_uri_is_not_taken_for_the_remote(tmp_path: Path) -> None:
    env = {"HOKUSAI_HOME": str(tmp_path), "MLFLOW_TRACKING_URI": "sqlite:///other.db"}
    assert resolve(env).remote_uri.value == DEFAULT_TRACKING_URI


def test_key_chain_argument_then_env_then_legacy_token(tmp_path: Path) -> None:
    bob = KEYS["bob"]
    env = {"HOKUSAI_HOME": str(tmp_path), "MLFLOW_TRACKING_TOKEN": bob}
    assert resolve(env).credentials.source == "environment variable MLFLOW_TRACKING_TOKEN"
    env["HOKUSAI_API_KEY"] = ALICE
    config = resolve(env)
    assert config.api_key is not None and config.api_key.reveal() == ALICE
    assert config.credentials.source == "environment variable HOKUSAI_API_KEY"
    assert resolve(env, api_key=bob).credentials.source == "argument"


def test_settings_rows_mask_the_key(tmp_path: Path) -> None:
    rows = resolve({"HOKUSAI_HOME": str(tmp_path), "HOKUSAI_API_KEY": ALICE}).settings()
    text = repr(rows)
    assert ALICE not in text
    assert ("API key", f"hk_live_…{ALICE[-4:]}", "environment variable HOKUSAI_API_KEY") in rows


@pytest.mark.parametrize("raw", ["remote", "LOCAL", " mock ", "optional", "auto"])
def test_every_mode_parses(raw: str, tmp_path: Path) -> None:
    env = {"HOKUSAI_HOME": str(tmp_path), "HOKUSAI_MLFLOW_MODE": raw}
    assert resolve(env).mode.value.value == raw.strip().lower()


def test_unknown_mode_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve({"HOKUSAI_HOME": str(tmp_path), "HOKUSAI_MLFLOW_MODE": "remot"})
    assert "'remot'" in str(info.value)
    assert "auto, remote, local, mock, optional" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("name", "mode"), [("HOKUSAI_MOCK_MODE", Mode.MOCK), ("HOKUSAI_OPTIONAL_MLFLOW", Mode.OPTIONAL)]
)
@pytest.mark.parametrize("on", ["true", "1", "yes", "TRUE"])
def test_legacy_switches_turn_their_mode_on(name: str, mode: Mode, on: str, tmp_path: Path) -> None:
    config = resolve({"HOKUSAI_HOME": str(tmp_path), name: on})
    assert config.mode.value is mode
    assert config.mode.source == f"environment variable {name}"


@pytest.mark.parametrize("name", ["HOKUSAI_MOCK_MODE", "HOKUSAI_OPTIONAL_MLFLOW"])
@pytest.mark.parametrize("off", ["false", "0", "no", "", "False"])
def test_legacy_switches_off_mean_off(name: str, off: str, tmp_path: Path) -> None:
    # The old SDK treated any non-empty value, "false" included, as on.
    assert resolve({"HOKUSAI_HOME": str(tmp_path), name: off}).mode.value is Mode.AUTO


def test_a_legacy_switch_typo_is_an_error_naming_the_accepted_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve({"HOKUSAI_HOME": str(tmp_path), "HOKUSAI_MOCK_MODE": "ture"})
    assert "HOKUSAI_MOCK_MODE='ture'" in str(info.value)
    assert "true, 1, yes, on" in str(info.value)


def test_new_mode_variable_wins_over_a_legacy_switch_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {
        "HOKUSAI_HOME": str(tmp_path),
        "HOKUSAI_MLFLOW_MODE": "local",
        "HOKUSAI_MOCK_MODE": "true",
    }
    with caplog.at_level(logging.WARNING):
        assert resolve(env).mode.value is Mode.LOCAL
        assert resolve(env).mode.value is Mode.LOCAL
    conflicts = [r for r in caplog.records if "HOKUSAI_MOCK_MODE" in r.getMessage()]
    assert len(conflicts) == 1


def test_probe_timeout_from_env_and_bad_values(tmp_path: Path) -> None:
    env = {"HOKUSAI_HOME": str(tmp_path), "HOKUSAI_PROBE_TIMEOUT": "0.5"}
    assert resolve(env).probe_timeout.value == 0.5
    for bad in ("fast", "-1", "0", "100000"):
        with pytest.raises(ConfigurationError, match="HOKUSAI_PROBE_TIMEOUT"):
            resolve({**env, "HOKUSAI_PROBE_TIMEOUT": bad})


def test_plain_http_to_another_host_is_refused_with_the_reason(tmp_path: Path) -> None:
    env = {
        "HOKUSAI_HOME": str(tmp_path),
        "HOKUSAI_API_KEY": ALICE,
        "HOKUSAI_TRACKING_URI": "http://registry.hokus.ai/mlflow",
    }
    with pytest.raises(InsecureTransportError) as info:
        resolve(env)
    assert "plain http" in str(info.value)
    assert "HOKUSAI_ALLOW_INSECURE_HTTP" in str(info.value)
    assert ALICE not in str(info.value)
    opted_in = resolve({**env, "HOKUSAI_ALLOW_INSECURE_HTTP": "true"})
    assert opted_in.allow_insecure_http.value is True


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.53"])
def test_plain_http_to_loopback_is_allowed(host: str, tmp_path: Path) -> None:
    config = resolve(
        {"HOKUSAI_HOME": str(tmp_path), "HOKUSAI_API_KEY": ALICE},
        tracking_uri=f"http://{host}:5000/api/mlflow",
    )
    assert config.remote_uri.value.startswith("http://")


def test_credentials_in_the_uri_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="embeds credentials") as info:
        resolve({"HOKUSAI_HOME": str(tmp_path)}, tracking_uri="https://u:secretpw@h.example/x")
    assert "secretpw" not in str(info.value)


def test_local_mode_does_not_care_about_the_remote(tmp_path: Path) -> None:
    config = resolve(
        {"HOKUSAI_HOME": str(tmp_path), "HOKUSAI_API_KEY": ALICE},
        mode="local",
        tracking_uri="http://insecure.example/mlflow",
    )
    assert config.mode.value is Mode.LOCAL


def test_config_file_sets_mode_and_local_uri(tmp_path: Path) -> None:
    write_config(tmp_path, "[default]\nmode = local\nlocal_tracking_uri = sqlite:////x/y.db\n")
    config = resolve({"HOKUSAI_HOME": str(tmp_path)})
    assert config.mode.value is Mode.LOCAL
    assert config.local_uri.value == "sqlite:////x/y.db"
    assert config.local_uri.source.startswith("config file")


def test_a_broken_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    write_config(tmp_path, "not an ini file [[[")
    with pytest.raises(ConfigurationError, match="Cannot parse"):
        resolve({"HOKUSAI_HOME": str(tmp_path)})


def test_a_relative_home_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = resolve({"HOKUSAI_HOME": "relative-home"})
    assert config.home.value == tmp_path / "relative-home"
    assert (
        config.local_uri.value == f"sqlite:///{tmp_path / 'relative-home' / 'mlflow' / 'mlflow.db'}"
    )
