"""The command line as a whole: options anywhere, help, startup cost, completion, failures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hokusai.cli import login as login_cli
from hokusai.cli.main import build_parser
from hokusai.cli.output import EXIT_AUTH, EXIT_ERROR, EXIT_NOT_REMOTE, EXIT_OK
from hokusai.cli.register import print_entry
from hokusai.models import ModelRegistryEntry
from tests.cli.conftest import Cli
from tests.conftest import KEYS


def run_process(
    home: Path, *args: str, env_extra: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOKUSAI_HOME": str(home), "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("HOKUSAI_API_KEY", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=120, **kwargs
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("--debug", "--json", "whoami", "--offline"),
        ("whoami", "--offline", "--debug", "--json"),
        ("--json", "whoami", "--debug", "--offline"),
    ],
    ids=["before", "after", "both sides"],
)
def test_global_options_work_before_or_after_the_command(
    cli: Cli, argv: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    result = cli(*argv)
    assert result.code == EXIT_AUTH  # no key
    assert json.loads(result.out)["key"] is None  # --json took effect
    assert "error" in json.loads(result.out)


def test_every_command_has_a_description_exit_codes_and_docs_in_its_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    names = set(subparsers.choices)  # type: ignore[attr-defined]
    assert {"logout", "whoami", "model", "models", "completion"} <= names
    for name, sub in subparsers.choices.items():  # type: ignore[attr-defined]
        text = sub.format_help()
        assert sub.description, f"{name} has no description"
        assert "exit codes:" in text and "  0  success" in text, name
        assert "docs: https://" in text, name
    assert "exit codes:" in parser.format_help()


# What a read-only command must not load: MLflow (1-2 s), FastAPI (a quarter second, which
# dependency-injector's wiring imports with the container), the sync machinery, and the
# frameworks a registered model may need (scikit-learn: half a second).
NOT_NEEDED = ("mlflow", "fastapi", "hokusai.container", "hokusai.sync", "sklearn", "joblib")
LOADED_PROBE = (
    "import json, sys\n"
    "from hokusai.cli.main import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    f"print('LOADED=' + json.dumps([m for m in {NOT_NEEDED!r} if m in sys.modules]), "
    "file=sys.stderr)\n"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["whoami", "--offline"],
        ["--json", "whoami", "--offline"],
        ["status", "--no-probe"],
        ["--json", "status", "--no-probe"],
        ["completion", "bash"],
        ["model", "--help"],
        ["model", "register", "--help"],
    ],
    ids=" ".join,
)
@pytest.mark.parametrize("key", [KEYS["alice"], None], ids=["key", "no key"])
def test_read_only_commands_load_neither_mlflow_nor_fastapi_nor_sync(
    tmp_path: Path, argv: list[str], key: str | None
) -> None:
    env = {"HOKUSAI_API_KEY": key} if key else {}
    done = run_process(tmp_path, "-c", LOADED_PROBE, *argv, env_extra=env)
    loaded = next(line for line in done.stderr.splitlines() if line.startswith("LOADED="))
    assert json.loads(loaded.removeprefix("LOADED=")) == [], (argv, done.stderr)


def test_an_unexpected_failure_is_one_line_with_a_next_step_and_a_traceback_only_with_debug(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("the keyring daemon\nwent away")

    monkeypatch.setattr(login_cli, "_config", broken)
    result = cli("whoami")
    assert result.code == EXIT_ERROR
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert lines[0].endswith("error (RuntimeError): the keyring daemon went away")
    assert lines[1].startswith("  next:") and "--debug" in lines[1]
    as_json = cli("whoami", "--json")
    assert json.loads(as_json.out)["error"]["type"] == "RuntimeError"
    debug = cli("whoami", "--debug")
    assert "Traceback" in debug.err and debug.code == EXIT_ERROR


def test_doctor_in_local_mode_marks_nothing_failed_and_exits_8(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "local")
    report = json.loads(cli("doctor", "--json", "--no-write-check").out)
    mode = next(c for c in report["checks"] if c["name"] == "mode")
    assert mode["verdict"] == "ok"
    text = cli("doctor", "--no-write-check")
    assert text.code == EXIT_NOT_REMOTE
    assert "as configured" in text.out and "would NOT reach" not in text.out


def test_doctor_without_a_key_blames_the_key_not_the_network(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, network: Any
) -> None:
    network.refuse = True  # the network is down too: the key is still the first thing to fix
    text = cli("doctor")
    assert text.code == EXIT_AUTH
    assert "No API key is set" in text.out
    next_line = text.out.strip().splitlines()[-1]
    assert "hokusai login" in next_line and "sync" not in next_line


def test_registered_entry_does_not_show_empty_tags(capsys: pytest.CaptureFixture[str]) -> None:
    entry = ModelRegistryEntry(
        name="quickstart-iris",
        version="1",
        tags={"metrics": "{}", "team": "growth", "blank": ""},
        target="local",
    )
    print_entry(entry)
    out = capsys.readouterr().out
    assert "tag team" in out
    assert "tag metrics" not in out and "tag blank" not in out


def test_completion_scripts_name_every_command(cli: Cli) -> None:
    for shell in ("bash", "zsh", "fish"):
        result = cli("completion", shell)
        assert result.code == EXIT_OK
        for command in ("quickstart", "register", "models", "versions", "login", "whoami"):
            assert command in result.out, (shell, command)
    assert "bashcompinit" in cli("completion", "zsh").out
    assert "complete -c hokusai" in cli("completion", "fish").out


def _complete(script: str, line: str, tmp_path: Path) -> list[str]:
    """What bash offers after typing ``line`` (ending with the word being completed)."""
    words = line.split(" ")
    path = tmp_path / "complete.bash"
    path.write_text(script)
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {path}\nCOMP_WORDS=({quoted})\nCOMP_CWORD={len(words) - 1}\n"
        '_hokusai\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", program], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_completes_commands_actions_and_options(cli: Cli, tmp_path: Path) -> None:
    script = cli("completion", "bash").out
    assert _complete(script, "hokusai mo", tmp_path) == ["model", "models"]
    assert _complete(script, "hokusai model r", tmp_path) == ["register"]
    assert "--token-id" in _complete(script, "hokusai model register --t", tmp_path)
    assert sorted(_complete(script, "hokusai models ", tmp_path))[-2:] == ["list", "versions"]
    assert "--local" in _complete(script, "hokusai models list --", tmp_path)
    # Global options after a command, and after an option that takes a value.
    assert "--debug" in _complete(script, "hokusai --profile staging whoami --d", tmp_path)
    assert "--offline" in _complete(script, "hokusai --profile staging whoami --o", tmp_path)
    assert "--alias" in _complete(script, "hokusai register ./model --a", tmp_path)
    assert _complete(script, "hokusai completion f", tmp_path) == ["fish"]
