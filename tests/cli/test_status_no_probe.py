"""``hokusai status --no-probe`` reports what the registry itself would, without building one."""

from __future__ import annotations

import json

import pytest

from hokusai import ModelRegistry
from hokusai.config.credentials import ApiKey
from hokusai.errors import HokusaiError
from tests.cli.conftest import Cli, type_key
from tests.conftest import KEYS

FIRST_TARGET = {
    ("auto", True): "remote",
    ("auto", False): "local",
    ("optional", True): "remote",
    ("optional", False): "local",
    ("remote", True): "remote",
    ("remote", False): "remote",
    ("local", True): "local",
    ("local", False): "local",
    ("mock", True): "mock",
    ("mock", False): "mock",
}


@pytest.mark.parametrize("mode", ["auto", "remote", "local", "mock", "optional"])
@pytest.mark.parametrize("key", [KEYS["alice"], None], ids=["key", "no key"])
def test_status_without_a_probe_is_the_registrys_own_status(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, mode: str, key: str | None
) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", mode)
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", "https://registry.example.com/api/mlflow")
    if key is None:
        monkeypatch.delenv("HOKUSAI_API_KEY", raising=False)
    else:
        monkeypatch.setenv("HOKUSAI_API_KEY", key)
    shown = cli("--json", "status", "--no-probe")
    try:
        with ModelRegistry() as registry:
            expected = registry.status().as_dict()
    except HokusaiError as refused:
        # Whatever stops a registry stops the report too, with the same message.
        assert shown.code != 0 and str(refused).splitlines()[0] in shown.err
        return
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["registry"] == expected
    # A fresh registry has probed nothing: its target follows from the mode and the key alone.
    assert expected["target"] == FIRST_TARGET[mode, key is not None]
    assert expected["last_probe"] is None


def test_status_without_a_probe_uses_the_profile_given_on_the_command_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOKUSAI_API_KEY", raising=False)
    monkeypatch.setenv("HOKUSAI_TRACKING_URI", "https://registry.example.com/api/mlflow")
    key = KEYS["bob"]
    type_key(monkeypatch, key)
    stored = cli("--profile", "work", "login", "--stdin", "--no-verify", "--no-keyring")
    assert stored.code == 0, stored.err
    default = json.loads(cli("--json", "status", "--no-probe").out)["registry"]
    work = json.loads(cli("--json", "--profile", "work", "status", "--no-probe").out)["registry"]
    assert default["masked_key"] is None and default["target"] == "local"
    assert work["masked_key"] == ApiKey(key).masked and work["target"] == "remote"
