"""The layer map in docs/architecture.md is the tree: every top-level entry has its row, in the
order the import contracts (pyproject.toml) check, and each package says its row's two lines."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "hokusai"


def layer_map() -> list[tuple[list[str], str, str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Layer map", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`hokusai/"):
            rows.append((re.findall(r"`(hokusai/[^`]+)`", cells[0]), cells[1], cells[2]))
    return rows


def module_of(path: str) -> str:
    return path.rstrip("/").removesuffix(".py").replace("/", ".")


def contract_layers() -> list[set[str]]:
    # The one `layers = [...]` array of pyproject.toml (tomllib is not in Python 3.10).
    array = re.search(r"^layers = \[(.*?)^\]", (ROOT / "pyproject.toml").read_text(), re.M | re.S)
    assert array is not None
    layers = re.findall(r'^\s*"([^"]+)",', array.group(1), re.M)
    return [{part.strip() for part in layer.split("|")} for layer in layers]


def test_every_top_level_entry_has_one_row_and_every_row_exists() -> None:
    listed = [path for paths, _, _ in layer_map() for path in paths]
    on_disk = {
        f"hokusai/{entry.name}/" if entry.is_dir() else f"hokusai/{entry.name}"
        for entry in PACKAGE.iterdir()
        if entry.name not in ("__init__.py", "py.typed", "__pycache__")
    }
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk


def test_the_map_is_in_the_order_the_import_contract_checks() -> None:
    layers = contract_layers()
    checked = set().union(*layers)
    position = []
    for paths, _, _ in layer_map():
        modules = {module_of(path) for path in paths}
        assert modules <= checked, f"{sorted(modules - checked)} are in no import contract layer"
        position.append(min(i for i, layer in enumerate(layers) if layer & modules))
    assert position == sorted(position)


@pytest.mark.parametrize(
    ("paths", "holds", "imports"),
    [row for row in layer_map() if row[0][0].endswith("/")],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)
def test_each_package_says_its_row_in_two_lines(paths: list[str], holds: str, imports: str) -> None:
    for path in (path for path in paths if path.endswith("/")):
        docstring = ast.get_docstring(ast.parse((ROOT / path / "__init__.py").read_text()))
        assert docstring is not None, path
        first, second = docstring.splitlines()[:2]
        assert second.startswith("May import: "), path
        if module_of(path) in ("hokusai.core", "hokusai.auth", "hokusai.tracking"):
            continue  # old import paths: one row for all of them
        as_markdown = first.replace("``", "`").rstrip(".")
        assert as_markdown.lower() == holds.lower(), path
        assert second.removeprefix("May import: ").replace("``", "`").rstrip(".") == imports


# Import paths users have: ours (documented in docs/) and the earlier SDK's, each with the
# module that now holds the code.
OLD_PATHS = [
    ("hokusai.notices", "forget_notices", "hokusai.support.notices"),
    ("hokusai.credential_store", "keyring_entry", "hokusai.config.credential_store"),
    ("hokusai.sync", "sync_pending", "hokusai.sync"),
    ("hokusai.uri_scheme", "register", "hokusai.uri_scheme"),
    ("hokusai.core.models", "HokusaiModel", "hokusai.platform.hokusai_model"),
    ("hokusai.core.versioning", "ModelVersionManager", "hokusai.earlier.versioning"),
    ("hokusai.core.inference", "HokusaiInferencePipeline", "hokusai.earlier.inference"),
    ("hokusai.core.ab_testing", "ModelTrafficRouter", "hokusai.earlier.ab_testing"),
    (
        "hokusai.core.notification",
        "notify_pipeline_of_registration",
        "hokusai.earlier.notification",
    ),
    ("hokusai.tracking.experiments", "ExperimentManager", "hokusai.earlier.experiments"),
    ("hokusai.tracking.performance", "PerformanceTracker", "hokusai.earlier.performance"),
    ("hokusai.config.mlflow_setup", "MLflowSetup", "hokusai.earlier.mlflow_setup"),
    ("hokusai.config.mlflow_auth", "setup_mlflow_auth", "hokusai.earlier.mlflow_auth"),
    ("hokusai.config", "setup_mlflow", "hokusai.earlier.mlflow_setup"),
    ("hokusai.auth.client", "HokusaiAuth", "hokusai.config.hokusai_auth"),
    ("hokusai.auth.config", "ProfileManager", "hokusai.earlier.profiles"),
]


@pytest.mark.parametrize(("old", "name", "home"), OLD_PATHS)
def test_old_import_paths_give_the_same_objects(old: str, name: str, home: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {old} import {name}", namespace)  # noqa: S102 - the statement users write
    assert namespace[name] is getattr(importlib.import_module(home), name)
