"""Every Python example in docs/testing.md runs, as written, in any order.

Examples that define ``test_*`` functions are run like tests: each gets the fixtures its
parameters name (``fake_registry``, ``monkeypatch``, ...). The other examples are run as
scripts. ``MODEL_DIR`` (which the page says the examples assume) is a saved scikit-learn
model, and ``srv`` (which the short fault-schedule snippets use) a running fake.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "testing.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _examples() -> list[tuple[int, str]]:
    """(line number, code) of each python block on the page."""
    text = PAGE.read_text()
    return [(text[: m.start()].count("\n") + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def _tests_in(code: str) -> list[str]:
    tree = ast.parse(code)
    return [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    ]


EXAMPLES = _examples()
CASES = [
    pytest.param(code, name, id=f"line{line}-{name or 'script'}")
    for line, code in EXAMPLES
    for name in (_tests_in(code) or [None])
]


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 8 and sum(1 for c in CASES if c.values[1]) >= 8


@pytest.mark.parametrize(("code", "name"), CASES)
def test_docs_example(
    code: str, name: str | None, request: pytest.FixtureRequest, sk_model_dir: Path
) -> None:
    namespace: dict[str, Any] = {"__name__": "docs_example", "MODEL_DIR": sk_model_dir}
    if name is None:
        namespace["srv"] = request.getfixturevalue("fake_registry")
    exec(compile(code, f"{PAGE}:example", "exec"), namespace)  # noqa: S102 (our own docs)
    if name is None:
        return
    example = namespace[name]
    fixtures = {p: request.getfixturevalue(p) for p in inspect.signature(example).parameters}
    example(**fixtures)
