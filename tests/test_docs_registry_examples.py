"""The docs' shell examples that need a working key and registry, against the real stack.

``hokusai`` runs in a subprocess, out of the fake registry's reach (it patches ``requests`` in
this process only), so these blocks (``<!-- docs-test: key -->`` or ``secret=NAME``) run
against the real ``mlflow server`` behind the bearer-key proxy on 127.0.0.1, with its address
in ``HOKUSAI_TRACKING_URI`` and alice's key where the block expects a key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.real_server import RealServer
from tests.integration.conftest import live_server, real_server
from tests.test_docs_examples import ALL_BLOCKS, Block, assert_ran, run_bash

# The stack's fixtures (tests/integration/conftest.py), imported to be used here.
__all__ = ["live_server", "real_server"]

pytestmark = pytest.mark.integration

CASES = [
    pytest.param(b, id=b.where)
    for b in ALL_BLOCKS
    if b.lang == "bash" and b.needs_registry and b.skip_reason is None
]


def test_the_pages_have_examples_that_need_the_registry() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("block", CASES)
def test_bash_example_with_the_registry(
    block: Block, live_server: RealServer, isolated_env: Path, sk_model_dir: Path
) -> None:
    env = {"HOKUSAI_TRACKING_URI": live_server.tracking_uri}
    env.update(block.secrets([live_server.key_for("alice"), live_server.key_for("bob")]))
    assert_ran(block, run_bash(block, isolated_env, sk_model_dir, env))
