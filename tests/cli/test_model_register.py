"""``hokusai model register``: the command line the platform's docs show, as a user runs it."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import joblib
import pytest
from sklearn.datasets import load_iris

from hokusai import ModelRegistry
from hokusai.cli.model import METADATA_OPTIONS
from hokusai.cli.output import EXIT_AUTH, EXIT_OK, EXIT_USAGE
from tests.cli.conftest import UNKNOWN_KEY, Cli
from tests.conftest import KEYS

# The line in the platform's README, quickstart and registration guides.
DOCUMENTED = ("--token-id", "QUICKSTART-AI", "--metric", "accuracy", "--baseline", "0.84")
DEFAULT_NAME = "hokusai-QUICKSTART-AI"


def documented(model_path: Path, *more: str) -> tuple[str, ...]:
    return ("model", "register", *DOCUMENTED, "--model-path", str(model_path), *more)


@pytest.fixture
def pickle_file(sk_model: Any, tmp_path: Path) -> Path:
    """``./models/baseline.pkl``, as the docs have the user save their model."""
    path = tmp_path / "models" / "baseline.pkl"
    path.parent.mkdir()
    path.write_bytes(pickle.dumps(sk_model))
    return path


@pytest.fixture
def mock_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "mock")


def predictions(model: Any) -> list[int]:
    features, _ = load_iris(return_X_y=True)
    return [int(p) for p in model.predict(features[:20])]


def test_the_documented_command_registers_a_pickled_model_on_the_hosted_registry(
    cli: Cli, fake: Any, use_fake: Any, pickle_file: Path, sk_model: Any
) -> None:
    use_fake(KEYS["alice"])
    result = cli(*documented(pickle_file))
    assert result.code == EXIT_OK, result.err
    lines = result.out.splitlines()
    assert lines[:6] == [
        "Model registration complete.",
        f"  Model name: {DEFAULT_NAME}",
        "  Version: 1",
        "  Token ID: QUICKSTART-AI",
        "  Proposal ID: QUICKSTART-AI",
        lines[5],
    ]
    assert lines[5].startswith("  MLflow run ID: ") and len(lines[5]) > len("  MLflow run ID: ")
    assert lines[6] == "  Status: registered"
    assert lines[7] == f"  Registered on the hosted registry: {fake.tracking_uri}"
    [stored] = fake.model_versions(DEFAULT_NAME)
    assert stored.tags["hokusai_token_id"] == "QUICKSTART-AI"
    assert (stored.tags["benchmark_metric"], stored.tags["benchmark_value"]) == ("accuracy", "0.84")
    # The pickle became a real scikit-learn model on the registry, not a reference to a file.
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    assert predictions(registry.load_model(DEFAULT_NAME, 1)) == predictions(sk_model)


def test_without_a_key_it_goes_to_the_local_store_and_says_so(
    cli: Cli, fake: Any, use_fake: Any, pickle_file: Path, sk_model: Any, local_store: Path
) -> None:
    use_fake(None)
    result = cli(*documented(pickle_file))
    assert result.code == EXIT_OK
    assert f"  Registered in the local store: sqlite:///{local_store}" in result.out
    assert fake.requests == []
    listed = cli("models", "versions", DEFAULT_NAME, "--local")
    assert listed.out.startswith("v1 ")
    local = ModelRegistry(mode="local")
    assert predictions(local.load_model(DEFAULT_NAME, 1)) == predictions(sk_model)


def test_an_mlflow_model_directory_registers_in_local_mode(
    cli: Cli, sk_model_dir: Path, local_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOKUSAI_MLFLOW_MODE", "local")
    result = cli(*documented(sk_model_dir), "--json")
    entry = json.loads(result.out)
    assert result.code == EXIT_OK
    assert (entry["target"], entry["model_name"], entry["version"]) == ("local", DEFAULT_NAME, "1")
    assert entry["tags"]["hokusai_token_id"] == "QUICKSTART-AI"


def test_json_prints_the_earlier_result_fields_and_the_entry(
    cli: Cli, mock_mode: None, pickle_file: Path
) -> None:
    result = cli(*documented(pickle_file), "--json")
    assert result.code == EXIT_OK
    entry = json.loads(result.out)  # stdout holds the JSON alone
    assert entry["target"] == "mock"
    assert {k: entry[k] for k in ("model_name", "token_id", "proposal_identifier", "status")} == {
        "model_name": DEFAULT_NAME,
        "token_id": "QUICKSTART-AI",
        "proposal_identifier": "QUICKSTART-AI",
        "status": "registered",
    }
    assert (entry["metric_name"], entry["baseline_value"]) == ("accuracy", 0.84)
    assert entry["mlflow_run_id"] and entry["version"] == "1"
    assert entry["site_status_update"] == "skipped"  # mock mode sends no event


def test_model_name_and_proposal_identifier_override_the_defaults(
    cli: Cli, mock_mode: None, pickle_file: Path
) -> None:
    result = cli(
        *documented(pickle_file),
        "--model-name",
        "churn-baseline",
        "--proposal-identifier",
        "PROP-7",
        "--json",
    )
    entry = json.loads(result.out)
    assert (entry["model_name"], entry["proposal_identifier"]) == ("churn-baseline", "PROP-7")
    again = cli(*documented(pickle_file), "--model-name", "churn-baseline")
    assert "  Version: 2" in again.out and "  Proposal ID: QUICKSTART-AI" in again.out


def test_a_compressed_joblib_file_registers(
    cli: Cli, mock_mode: None, sk_model: Any, tmp_path: Path
) -> None:
    path = tmp_path / "model.joblib"
    joblib.dump(sk_model, path, compress=3)
    result = cli(*documented(path))
    assert result.code == EXIT_OK and "Model registration complete." in result.out


def _not_a_model_directory(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _text_file(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("not a model")
    return tmp_path / "notes.txt"


def _pickled_dict(tmp_path: Path) -> Path:
    (tmp_path / "weights.pkl").write_bytes(pickle.dumps({"w": [1, 2]}))
    return tmp_path / "weights.pkl"


def _needs_a_missing_package(tmp_path: Path) -> Path:
    # A pickle of a class from a package this machine lacks (as a scikit-learn model is on a
    # machine without scikit-learn).
    (tmp_path / "model.pkl").write_bytes(b"cnot_installed_framework\nModel\n.")
    return tmp_path / "model.pkl"


@pytest.mark.parametrize(
    ("make_path", "more", "says"),
    [
        (lambda tmp: tmp / "missing.pkl", (), "does not exist"),
        (_not_a_model_directory, (), "not an MLflow model directory"),
        (_text_file, (), "could not be loaded as a pickle or joblib file"),
        (_pickled_dict, (), "Cannot register a builtins.dict"),
        (_needs_a_missing_package, (), "hokusai-ml-platform[ml]"),
        (_pickled_dict, ("--token-id", "BAD_TOKEN!"), "Invalid token ID"),
        (_pickled_dict, ("--baseline", "nan"), "--baseline must be a finite number"),
        (_pickled_dict, ("--model-name", "bad/name"), "--model-name must be"),
    ],
    ids=[
        "missing path",
        "directory without MLmodel",
        "not a pickle",
        "not a model",
        "missing framework",
        "bad token id",
        "baseline not finite",
        "bad model name",
    ],
)
def test_bad_input_exits_2_before_any_request(
    cli: Cli,
    fake: Any,
    use_fake: Any,
    tmp_path: Path,
    make_path: Any,
    more: tuple[str, ...],
    says: str,
) -> None:
    use_fake(KEYS["alice"])
    path = make_path(tmp_path)
    result = cli(*documented(path, *more))
    assert result.code == EXIT_USAGE
    assert says in result.err
    assert result.out == ""
    as_json = cli(*documented(path, *more), "--json")
    assert json.loads(as_json.out)["error"]["message"]
    assert fake.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ("model", "register", "--token-id", "T", "--model-path", "m.pkl", "--metric", "acc"),
        (*documented(Path("m.pkl")), "--baseline", "high"),
        ("model",),
    ],
    ids=["no baseline", "baseline not a number", "no action"],
)
def test_wrong_usage_exits_2(
    cli: Cli, fake: Any, use_fake: Any, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    use_fake(KEYS["alice"])
    with pytest.raises(SystemExit) as exited:
        cli(*argv)
    assert exited.value.code == EXIT_USAGE
    assert "usage: hokusai model" in capsys.readouterr().err
    assert fake.requests == []


def test_an_api_key_option_is_used_never_echoed_and_warned_about(
    cli: Cli, fake: Any, pickle_file: Path
) -> None:
    given = ("--mlflow-uri", fake.tracking_uri, "--api-key", KEYS["alice"], "--debug")
    result = cli(*documented(pickle_file, *given))  # the cli fixture fails on any echoed key
    assert result.code == EXIT_OK
    assert "on the hosted registry" in result.out
    assert "process list" in result.err and "HOKUSAI_API_KEY" in result.err
    assert "hokusai login" in result.err
    assert fake.model_versions(DEFAULT_NAME)

    rejected = ("--mlflow-uri", fake.tracking_uri, "--api-key", UNKNOWN_KEY)
    refused = cli(*documented(pickle_file, *rejected, "--json", "--debug"))
    assert refused.code == EXIT_AUTH
    assert json.loads(refused.out)["error"]["type"] == "AuthenticationError"


def test_without_an_api_key_option_there_is_no_warning(
    cli: Cli, fake: Any, use_fake: Any, pickle_file: Path
) -> None:
    use_fake(KEYS["alice"])
    result = cli(*documented(pickle_file))
    assert "process list" not in result.err


# -- what reaches register_tokenized_model ----------------------------------------------------


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    real = ModelRegistry.register_tokenized_model

    def spy(self: ModelRegistry, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(self, **kwargs)

    monkeypatch.setattr(ModelRegistry, "register_tokenized_model", spy)
    return seen


def test_metadata_and_notification_options_reach_register_tokenized_model(
    cli: Cli, mock_mode: None, pickle_file: Path, calls: list[dict[str, Any]]
) -> None:
    result = cli(
        *documented(pickle_file),
        "--eval-spec",
        "spec-1",
        "--scorer-ref",
        "scorers/accuracy@1",
        "--primary-metric",
        "accuracy",
        "--benchmark-spec-id",
        "bench-9",
        "--no-notify-site",
        "--best-effort-notification",
    )
    assert result.code == EXIT_OK
    [call] = calls
    assert {k: call[k] for k in (*METADATA_OPTIONS, "notify_site", "best_effort_notification")} == {
        "eval_spec": "spec-1",
        "scorer_ref": "scorers/accuracy@1",
        "primary_metric": "accuracy",
        "benchmark_spec_id": "bench-9",
        "notify_site": False,
        "best_effort_notification": True,
    }
    assert "  Site notification skipped." in result.out


def test_options_not_given_are_left_to_register_tokenized_models_defaults(
    cli: Cli, mock_mode: None, pickle_file: Path, calls: list[dict[str, Any]]
) -> None:
    result = cli(*documented(pickle_file))
    assert result.code == EXIT_OK
    [call] = calls
    assert set(call) == {
        "model_uri",
        "model_name",
        "token_id",
        "metric_name",
        "baseline_value",
        "additional_tags",
    }
    assert (call["model_name"], call["token_id"], call["metric_name"], call["baseline_value"]) == (
        DEFAULT_NAME,
        "QUICKSTART-AI",
        "accuracy",
        0.84,
    )
    assert call["additional_tags"] is None
