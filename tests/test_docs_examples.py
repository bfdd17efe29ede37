"""Every code block in README.md and docs/ runs as written, or says why it cannot and is parsed.

A block is a fenced block with a language. ``python`` blocks run in this process, with the fake
registry up at the hosted registry's address; blocks that define ``test_*`` functions are run
like tests (each gets the fixtures its parameters name). ``bash`` blocks run in ``bash -e`` with
the SDK's ``hokusai`` on ``PATH``, a fresh ``HOKUSAI_HOME`` and no key: the local store. ``ini``,
``toml``, ``json`` and ``yaml`` blocks must parse. ``text`` blocks, and fences without a
language, are sample output.

An HTML comment just above a block (invisible on the site) changes how it runs:

- ``<!-- docs-test: skip (reason) -->``: not run, only parsed (``python`` compiles, ``bash``
  passes ``bash -n``); the reason is required;
- ``<!-- docs-test: key -->``: a valid key is set in ``HOKUSAI_API_KEY`` (``python``: the fake
  registry's; ``bash``: the real registry stack's, in tests/test_docs_registry_examples.py);
- ``<!-- docs-test: secret=NAME -->``: the key is in the variable ``NAME`` instead
  (``secret=A,B``: two different valid keys, in ``A`` and ``B``);
- ``<!-- docs-test: key registered=NAME -->``: the registry already holds ``NAME`` version 1
  (alias ``champion``), for an example that reads a model back;
- ``<!-- docs-test: exit=N -->``: the block ends with exit code ``N`` (a ``bash`` block whose
  point is a failure).

Names the examples may use without defining them, as the pages say: ``MODEL_DIR`` (a saved
scikit-learn model directory, also at ``./model``) and ``model`` (a fitted scikit-learn
estimator). Anything else an example uses, it defines: pasted alone, it runs.
"""

from __future__ import annotations

import configparser
import inspect
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
RUNNABLE = {"python", "bash"}
PARSED = {"ini", "toml", "json", "yaml"}
OUTPUT = {"text"}

# Blocks that cannot carry the comment above them, by page and first line: why they are not run.
NOT_RUN_HERE = {
    (
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[quickstart]' && .venv/bin/hokusai quickstart",
    ): (
        "the newcomer commands stay the README's first lines; they make a venv and run nox, "
        "which runs this file, and the quickstart nox session runs their main job"
    ),
    # docs/cli.md is rewritten on the cli branch; its new blocks get their comments at merge.
    ("docs/cli.md", "hokusai quickstart"): (
        "the same command runs in tests/test_quickstart.py and the quickstart nox session"
    ),
    (
        "docs/cli.md",
        'hokusai register ./iris-model --name iris-demo --alias champion --tag team=growth --description "first"',
    ): ("needs the model directory ./iris-model that the page's previous step saves"),
    ("docs/cli.md", "printf '%s\\n' \"$HOKUSAI_KEY_FROM_VAULT\" | hokusai login --stdin"): (
        "needs a key in HOKUSAI_KEY_FROM_VAULT and the registry"
    ),
}

_FENCE = re.compile(
    r"(?P<note>^[ ]*<!-- docs-test: (?P<options>.*?) -->\n)?"
    r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```",
    re.DOTALL | re.MULTILINE,
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def skip_reason(self) -> str | None:
        first_line = self.code.split("\n", 1)[0]
        return self.options.get("skip") or NOT_RUN_HERE.get(
            (str(self.page.relative_to(ROOT)), first_line)
        )

    def secrets(self, keys: list[str]) -> dict[str, str]:
        """The variables this block is given keys in, each a different valid key."""
        names = self.options["secret"].split(",") if "secret" in self.options else []
        if "key" in self.options:
            names.append("HOKUSAI_API_KEY")
        return dict(zip(names, keys, strict=False))

    @property
    def needs_registry(self) -> bool:
        return "key" in self.options or "secret" in self.options

    @property
    def expected_exit(self) -> int:
        return int(self.options.get("exit", "0"))


def _options(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    skip = re.fullmatch(r"skip \((.+)\)", raw.strip())
    if skip:
        return {"skip": skip.group(1)}
    options: dict[str, str] = {}
    for token in raw.split():
        name, _, value = token.partition("=")
        options[name] = value
    return options


def _dedent(body: str, indent: str) -> str:
    return "".join(line.removeprefix(indent) for line in body.splitlines(keepends=True))


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    found = []
    for match in _FENCE.finditer(text):
        if not match.group("lang"):
            continue
        found.append(
            Block(
                page=page,
                line=text[: match.start("indent")].count("\n") + 1,
                lang=match.group("lang"),
                code=_dedent(match.group("body"), match.group("indent")),
                options=_options(match.group("options")),
            )
        )
    return found


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]


def _cases(select: Any) -> list[Any]:
    return [pytest.param(b, id=b.where) for b in ALL_BLOCKS if select(b)]


def test_every_block_has_a_known_language_and_valid_options() -> None:
    problems = []
    for block in ALL_BLOCKS:
        if block.lang not in RUNNABLE | PARSED | OUTPUT:
            problems.append(f"{block.where}: language {block.lang!r} is neither run nor parsed")
        unknown = set(block.options) - {"skip", "key", "secret", "exit", "registered"}
        if unknown:
            problems.append(f"{block.where}: unknown docs-test options {sorted(unknown)}")
        if "skip" in block.options and not block.options["skip"].strip():
            problems.append(f"{block.where}: a skipped block must say why")
    assert not problems, "\n".join(problems)


def test_every_block_not_run_here_still_exists() -> None:
    # An entry whose block changed would silently stop meaning anything.
    present = {(str(b.page.relative_to(ROOT)), b.code.split("\n", 1)[0]) for b in ALL_BLOCKS}
    stale = sorted(set(NOT_RUN_HERE) - present)
    assert not stale, f"NOT_RUN_HERE names blocks that are gone: {stale}"


def test_the_docs_have_examples_on_every_runnable_page() -> None:
    # A regex that stopped matching would pass every parametrized case by finding none.
    assert len([b for b in ALL_BLOCKS if b.lang == "python"]) >= 30
    assert len([b for b in ALL_BLOCKS if b.lang == "bash"]) >= 30


# ---- parsed: every block, run or not ----------------------------------------------------------


@pytest.mark.parametrize("block", _cases(lambda b: b.lang in RUNNABLE | PARSED))
def test_block_parses(block: Block) -> None:
    if block.lang == "python":
        compile(block.code, block.where, "exec")
    elif block.lang == "bash":
        checked = subprocess.run(
            ["bash", "-n"], input=block.code, capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, f"{block.where}: {checked.stderr}"
    elif block.lang == "ini":
        configparser.ConfigParser().read_string(block.code, source=block.where)
    elif block.lang == "toml":
        toml = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
        toml.loads(block.code)
    elif block.lang == "json":
        json.loads(block.code)
    elif block.lang == "yaml":
        import yaml  # PyYAML: MLflow's dependency

        yaml.safe_load(block.code)


# ---- python: run in this process, against the fake registry ---------------------------------


def _test_functions(code: str) -> list[str]:
    import ast

    return [
        node.name
        for node in ast.parse(code).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """docs/logging.md's examples configure logging, process-wide: put it back afterwards."""
    loggers = [logging.getLogger(), logging.getLogger("hokusai")]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers]
    yield
    for logger, level, handlers, propagate, disabled in saved:
        for added in set(logger.handlers) - set(handlers):
            added.close()
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.disabled = disabled


PYTHON_CASES = [
    pytest.param(b, name, id=f"{b.where}-{name or 'script'}")
    for b in ALL_BLOCKS
    if b.lang == "python" and b.skip_reason is None
    for name in (_test_functions(b.code) or [None])
]


@pytest.mark.parametrize(("block", "name"), PYTHON_CASES)
@pytest.mark.usefixtures("restored_logging", "mlflow_tracking_uri", "mlflow_global_restored")
def test_python_example(
    block: Block,
    name: str | None,
    request: pytest.FixtureRequest,
    sk_model: Any,
    sk_model_dir: Path,
    keys: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for variable, key in block.secrets([keys["alice"], keys["bob"]]).items():
        monkeypatch.setenv(variable, key)
    shutil.copytree(sk_model_dir, tmp_path / "model")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {
        "__name__": "docs_example",
        "MODEL_DIR": sk_model_dir,
        "model": sk_model,
    }
    if name is None:  # a script: the fake answers at the hosted registry's address
        request.getfixturevalue("fake_registry")
    if "registered" in block.options:
        from hokusai import ModelRegistry

        with ModelRegistry(api_key=keys["alice"]) as registry:
            entry = registry.register_model(
                sk_model_dir, block.options["registered"], alias="champion"
            )
        assert entry.target == "remote", entry.reason
    try:
        exec(compile(block.code, block.where, "exec"), namespace)  # noqa: S102 (our own docs)
        if name is not None:
            example = namespace[name]
            wanted = inspect.signature(example).parameters
            example(**{p: request.getfixturevalue(p) for p in wanted})
    except SystemExit as exited:
        assert exited.code == block.expected_exit, f"{block.where} exited with {exited.code}"
    else:
        assert block.expected_exit == 0, f"{block.where} did not exit {block.expected_exit}"


# ---- bash: run in a subprocess, local mode -----------------------------------------------------


def run_bash(
    block: Block, home: Path, model_dir: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``block`` in ``bash -e`` from a scratch directory holding a saved model (``./model``),
    with the SDK's venv first on PATH."""
    workdir = home.parent / "work"
    shutil.copytree(model_dir, workdir / "model")
    full_env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOKUSAI_HOME": str(home),
        "HOME": str(home.parent),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        **env,
    }
    return subprocess.run(
        ["bash", "-e", "-c", block.code],
        cwd=workdir,
        env=full_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_ran(block: Block, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == block.expected_exit, (
        f"{block.where} exited with {result.returncode}, expected {block.expected_exit}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


@pytest.mark.parametrize(
    "block", _cases(lambda b: b.lang == "bash" and not b.skip_reason and not b.needs_registry)
)
def test_bash_example(block: Block, isolated_env: Path, sk_model_dir: Path) -> None:
    assert_ran(block, run_bash(block, isolated_env, sk_model_dir, {}))
