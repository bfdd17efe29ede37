"""Every argument of the registration calls: refused with a typed error before any request, or
registered; never an untyped exception, never the key in the message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hokusai import ModelRegistry
from hokusai.errors import ConfigurationError, InvalidInputError, ModelNotFoundError
from hokusai.models import TAG_MODEL_ID, TAG_MODEL_TYPE
from tests.properties.conftest import assert_typed_refusal, outcome
from tests.properties.strategies import KEY, anything, key_shaped, short_text, text, uris

names = st.one_of(
    st.sampled_from(["churn", "Churn model 2", "a.b-c_d", "x" * 255, "x" * 256]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\- ]{0,20}", fullmatch=True),
    text,
    anything,
)
tags = st.one_of(
    st.none(),
    st.dictionaries(st.one_of(short_text, st.sampled_from(["ok", "a/b", "hokusai.x"])), anything),
    anything,
)
metrics = st.one_of(
    st.none(),
    st.dictionaries(short_text, st.one_of(st.floats(), st.integers(), anything), max_size=3),
    anything,
)
options = st.fixed_dictionaries(
    {},
    optional={
        "tags": tags,
        "description": st.one_of(text, anything),
        "alias": st.one_of(st.sampled_from(["production", "v1", "latest", "a b"]), anything),
        "idempotency_key": st.one_of(
            st.sampled_from(["../../x", "a/b", "x" * 300, "ok-key"]), text, anything
        ),
        "metrics": metrics,
    },
)


def attempt(fake: Any, call: Callable[[ModelRegistry], object]) -> None:
    """Run ``call`` on a remote registry (healthy): bad input is refused before the first
    request; the only other failure is a lookup that finds nothing (a baseline, a URI)."""
    registry = ModelRegistry(fake.tracking_uri, api_key=KEY, mode="remote")
    before = len(fake.requests)
    error = outcome(lambda: call(registry))
    registry.close()
    if error is None:
        return
    assert_typed_refusal(error, KEY)
    if isinstance(error, ModelNotFoundError):
        return
    assert isinstance(error, InvalidInputError | ConfigurationError), repr(error)
    sent = [f"{r.method} {r.path}" for r in fake.requests[before:]]
    assert sent == [], f"{type(error).__name__} after requests: {sent}"


# Valid inputs register a model (an upload to the fake): fewer examples than the profile.
@settings(max_examples=12)
@given(name=names, kwargs=options)
def test_register_model(fake: Any, sk_model_dir: Path, name: Any, kwargs: dict[str, Any]) -> None:
    attempt(fake, lambda r: r.register_model(sk_model_dir, name, **kwargs))


@settings(max_examples=12)
@given(model_type=names, metadata=st.one_of(st.none(), anything), kwargs=options)
def test_register_baseline(
    fake: Any, sk_model_dir: Path, model_type: Any, metadata: Any, kwargs: dict[str, Any]
) -> None:
    attempt(fake, lambda r: r.register_baseline(sk_model_dir, model_type, None, metadata, **kwargs))


@settings(max_examples=12)
@given(
    baseline_id=st.one_of(st.just("m0"), text, key_shaped, anything),
    deltas=metrics,
    address=st.one_of(st.just("0x" + "a" * 40), text, anything),
    kwargs=options,
)
# The baseline exists and only the forwarded tags are bad: refused before the lookup.
@example(baseline_id="m0", deltas={"gain": 1.0}, address="0x" + "a" * 40, kwargs={"tags": {"": 1}})
def test_register_improved_model(
    fake: Any,
    sk_model_dir: Path,
    baseline_id: Any,
    deltas: Any,
    address: Any,
    kwargs: dict[str, Any],
) -> None:
    fake.reset()
    fake.state.add_versions("churn", [{TAG_MODEL_ID: "m0", TAG_MODEL_TYPE: "churn"}])
    attempt(
        fake,
        lambda r: r.register_improved_model(sk_model_dir, baseline_id, deltas, address, **kwargs),
    )


@given(uri=st.one_of(uris, st.sampled_from(["models:/x", "runs:/", "models:/", "runs://m"])))
def test_model_uris(fake: Any, uri: str) -> None:
    attempt(fake, lambda r: r.register_model(uri, "churn"))
