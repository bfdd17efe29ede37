"""The settings page lists exactly the settings the code reads; the troubleshooting page lists
every public error class with what it means and the next step.

The settings the code reads are the string constants in ``hokusai/`` that are exactly an
environment variable name (``"HOKUSAI_..."``, ``"MLFLOW_..."``): every read goes through such a
name, whether it is ``environ.get("HOKUSAI_HOME")`` or ``env=("HOKUSAI_PROBE_TIMEOUT",)`` in a
setting's declaration. Names inside messages (``"Set HOKUSAI_API_KEY ..."``) and docstrings are
prose, not reads. ``hokusai/testing`` is left out: the test doubles read no user setting.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import hokusai.errors

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "configuration.md"
TROUBLESHOOTING_PAGE = ROOT / "docs" / "troubleshooting.md"
_NAME = re.compile(r"(?:HOKUSAI|MLFLOW)_[A-Z0-9_]*[A-Z0-9]")

# Settings documented before the code that reads them is merged into this branch: the name,
# and where its reader comes from. Each entry must go once the code reads the name (a test
# below says so), so this list cannot hide a setting the code dropped.
DOCUMENTED_AHEAD: dict[str, str] = {}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _all_lists(tree: ast.AST) -> set[int]:
    """String constants of ``__all__ = [...]``: names of Python objects, not settings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            found.update(id(c) for c in ast.walk(node.value) if isinstance(c, ast.Constant))
    return found


@functools.cache
def settings_read_by_code() -> dict[str, list[str]]:
    """Each variable name the package reads, with the modules that read it."""
    readers: dict[str, set[str]] = {}
    package = ROOT / "hokusai"
    for path in sorted(package.rglob("*.py")):
        if (package / "testing") in path.parents:
            continue
        tree = ast.parse(path.read_text())
        prose = _docstrings(tree) | _all_lists(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in prose
                and _NAME.fullmatch(node.value)
            ):
                readers.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
    return {name: sorted(paths) for name, paths in readers.items()}


def settings_on_page() -> set[str]:
    return set(_NAME.findall(SETTINGS_PAGE.read_text()))


def test_the_scan_finds_the_settings_it_must() -> None:
    # A scan that found nothing would make the two tests below pass vacuously.
    read = settings_read_by_code()
    assert {"HOKUSAI_API_KEY", "HOKUSAI_HOME", "HOKUSAI_PROBE_TIMEOUT", "MLFLOW_TRACKING_URI"} <= (
        set(read)
    )
    assert "MLFLOW_MOUNT" not in read  # a Python name in __all__, not a setting


def test_every_setting_the_code_reads_is_on_the_settings_page() -> None:
    missing = {name: where for name, where in settings_read_by_code().items()}
    for name in settings_on_page():
        missing.pop(name, None)
    assert not missing, "\n".join(
        f"{name} is read by {', '.join(where)} but is not on docs/configuration.md: "
        "add a row (variable, meaning, default) to its table"
        for name, where in sorted(missing.items())
    )


def test_every_setting_on_the_settings_page_is_read_by_the_code() -> None:
    read = settings_read_by_code()
    stale = sorted(settings_on_page() - set(read) - set(DOCUMENTED_AHEAD))
    assert not stale, "\n".join(
        f"{name} is on docs/configuration.md but nothing in hokusai/ reads it: "
        "remove it from the page, or fix the code that should read it"
        for name in stale
    )


def test_settings_documented_ahead_are_on_the_page_and_not_yet_read() -> None:
    read = settings_read_by_code()
    on_page = settings_on_page()
    problems = [
        f"{name} ({why}) is listed in DOCUMENTED_AHEAD in {Path(__file__).name} "
        + (
            f"but {', '.join(read[name])} now reads it: remove it from DOCUMENTED_AHEAD"
            if name in read
            else "but is not on docs/configuration.md: add its row"
        )
        for name, why in DOCUMENTED_AHEAD.items()
        if name in read or name not in on_page
    ]
    assert not problems, "\n".join(problems)


# ---- errors ------------------------------------------------------------------------------------


def error_rows() -> dict[str, list[str]]:
    """The rows of the "Error classes at a glance" table, by class name: the other cells."""
    text = TROUBLESHOOTING_PAGE.read_text()
    section = text.split("## Error classes at a glance", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        match = re.match(r"\| `(\w+)`[^|]*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def test_the_error_table_has_its_columns() -> None:
    text = TROUBLESHOOTING_PAGE.read_text()
    assert "| class (builtin) | what it means | next step | extra attributes | CLI exit |" in text


def test_every_public_error_class_is_on_the_troubleshooting_page() -> None:
    rows = error_rows()
    problems = []
    for name in hokusai.errors.__all__:
        cells = rows.get(name)
        if cells is None:
            problems.append(
                f"hokusai.errors.{name} has no row in the table 'Error classes at a glance' "
                "of docs/troubleshooting.md: add one (what it means, next step, exit code)"
            )
        elif not cells[0] or not cells[1]:
            problems.append(
                f"hokusai.errors.{name}'s row in docs/troubleshooting.md lacks "
                + ("what it means" if not cells[0] else "the next step")
            )
    assert not problems, "\n".join(problems)


def test_every_error_class_on_the_troubleshooting_page_exists() -> None:
    gone = sorted(set(error_rows()) - set(hokusai.errors.__all__))
    assert not gone, (
        f"docs/troubleshooting.md lists {gone}, which hokusai.errors does not export: "
        "remove the rows or export the classes"
    )


def test_every_public_error_class_is_a_hokusai_exception() -> None:
    # What the page promises: `except HokusaiException` catches every class listed.
    for name in hokusai.errors.__all__:
        assert issubclass(getattr(hokusai.errors, name), hokusai.errors.HokusaiException), name
