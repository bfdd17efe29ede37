"""Hypothesis profiles and the property every public input must have.

``ci`` (the default) is deterministic (``derandomize``, no example database) and small enough
for the suite; ``HYPOTHESIS_PROFILE=deep`` searches longer on a developer's machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from hypothesis import HealthCheck, settings

from hokusai.errors import HokusaiError

# The builtins the SDK's errors also are, so that `except ValueError` code keeps working.
BUILTINS = (
    ValueError,
    TypeError,
    PermissionError,
    ConnectionError,
    LookupError,
    OSError,
    RuntimeError,
    NotImplementedError,
)

_COMMON = {
    "deadline": None,  # a shared CI machine's timing says nothing about the SDK
    # The suite's autouse fixtures (a fresh HOKUSAI_HOME) are per test, shared by examples;
    # each example builds its own registry.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", max_examples=25, derandomize=True, database=None, **_COMMON)
settings.register_profile("deep", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def outcome(call: Callable[[], object]) -> Exception | None:
    """The exception ``call`` raised, None if it returned."""
    try:
        call()
    except Exception as error:
        return error
    return None


def chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def assert_typed_refusal(error: Exception, secret: str) -> None:
    """A typed SDK error, also the matching builtin, whose text (causes included) hides the key."""
    assert isinstance(error, HokusaiError), f"untyped {type(error).__name__}: {error}"
    assert isinstance(error, BUILTINS), f"{type(error).__name__} is no builtin error"
    for part in chain(error):
        shown = f"{part}\n{part!r}"
        assert secret not in shown, f"{type(part).__name__} shows the key"
