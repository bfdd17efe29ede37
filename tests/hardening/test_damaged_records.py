"""A damaged pending record is reported and set aside; it never blocks the healthy ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hokusai import ModelRegistry
from hokusai.cli.main import main
from tests.conftest import KEYS

DAMAGED = {
    "truncated.json": '{"idempotency_key": "truncated", "name": "ch',
    "empty.json": "",
    "not-an-object.json": "[1, 2]",
}


@pytest.fixture
def mixed_pending(fake: Any, sk_model: Any, isolated_env: Path) -> tuple[Path, str, dict[str, Any]]:
    """One healthy fallback record, three damaged ones, and one from a newer hokusai."""
    fake.go_down("refused")
    entry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"]).register_model(
        sk_model, "churn"
    )
    fake.come_back()
    pending = isolated_env / "pending"
    for name, text in DAMAGED.items():
        (pending / name).write_text(text)
    healthy = json.loads((pending / f"{entry.idempotency_key}.json").read_text())
    newer = {**healthy, "idempotency_key": "newer", "format": 99, "shards": [1, 2]}
    (pending / "newer.json").write_text(json.dumps(newer))
    return pending, str(entry.idempotency_key), newer


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_status_lists_the_healthy_record_and_reports_the_damaged_ones(
    fake: Any, mixed_pending: tuple[Path, str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    pending, _, _ = mixed_pending
    code, text = run(capsys, "status", "--no-probe")
    assert code == 0, text
    assert "churn v1" in text
    for name in [*DAMAGED, "newer.json"]:
        assert name in text
    assert "newer version of hokusai" in text
    # status only reports: nothing moved
    assert all((pending / name).exists() for name in DAMAGED)


def test_status_json_reports_them_too(
    fake: Any, mixed_pending: tuple[Path, str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run(capsys, "status", "--no-probe", "--json")
    assert code == 0, text
    data = json.loads(text)
    assert len(data["pending"]) == 1
    assert sorted(Path(d["path"]).name for d in data["damaged"]) == sorted([*DAMAGED, "newer.json"])


def test_sync_pushes_the_healthy_record_and_quarantines_the_damaged_ones(
    fake: Any,
    mixed_pending: tuple[Path, str, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pending, healthy_key, newer = mixed_pending
    monkeypatch.setenv("HOKUSAI_API_KEY", KEYS["alice"])
    code, text = run(capsys, "sync")
    assert code == 7, text  # partial: the damaged ones need a person
    assert len(fake.model_versions("churn")) == 1
    assert json.loads((pending / f"{healthy_key}.json").read_text())["status"] == "pushed"
    for name, content in DAMAGED.items():
        assert not (pending / name).exists()
        assert (pending / "damaged" / name).read_text() == content  # kept, not deleted
        assert name in text
    # A newer hokusai's record is its own: left where that version will look for it.
    assert json.loads((pending / "newer.json").read_text()) == newer
    assert "newer version of hokusai" in text

    code, text = run(capsys, "sync")
    assert code == 7, text  # the newer record still waits
    assert len(fake.model_versions("churn")) == 1
