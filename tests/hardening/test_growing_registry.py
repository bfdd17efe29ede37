"""Lookups cost requests in proportion to their answer, not to the registry's size.

The fake registry is seeded with 20,000 versions directly (no requests), and each lookup is
counted against the same lookup in a registry holding only what it needs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from dependency_injector import providers

from hokusai import ModelRegistry
from hokusai.container import Container
from hokusai.models import (
    TAG_BASELINE_ID,
    TAG_DELTA_METRICS,
    TAG_IDEMPOTENCY_KEY,
    TAG_MODEL_ID,
    TAG_MODEL_TYPE,
)
from tests.conftest import KEYS

LARGE = 20_000
DEPTH = 20


def platform_tags(model_id: str, baseline: str | None = None) -> dict[str, str]:
    tags = {TAG_MODEL_ID: model_id, TAG_MODEL_TYPE: "churn", TAG_IDEMPOTENCY_KEY: model_id}
    if baseline is not None:
        tags |= {TAG_BASELINE_ID: baseline, TAG_DELTA_METRICS: json.dumps({"improvement": 1.0})}
    return tags


def lineage(depth: int) -> list[dict[str, str]]:
    """``m0`` (a baseline) improved ``depth - 1`` times, each on the one before."""
    return [platform_tags(f"m{i}", f"m{i - 1}" if i else None) for i in range(depth)]


def noise(count: int) -> Iterable[dict[str, str]]:
    return (platform_tags(f"other-{i}") for i in range(count))


def seed(fake: Any, *, extra: int) -> None:
    """The lineage in ``churn``, then ``extra`` newer versions: half in ``churn`` itself."""
    fake.reset()
    fake.state.add_versions("churn", lineage(DEPTH))
    fake.state.add_versions("churn", noise(extra // 2))
    fake.state.add_versions("fraud", noise(extra - extra // 2))


def requests_for(fake: Any, extra: int, call: Callable[[ModelRegistry], Any]) -> tuple[int, Any]:
    """The requests ``call`` makes on a fresh registry over a registry seeded with ``extra``."""
    seed(fake, extra=extra)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    result = call(registry)
    return len(fake.requests), result


LOOKUPS: dict[str, Callable[[ModelRegistry], Any]] = {
    "get_model_by_id": lambda r: r.get_model_by_id("m0").version,
    "lineage of depth 20": lambda r: [e.model_id for e in r.get_model_lineage("m19").entries],
    "latest by type": lambda r: r.get_latest_model("churn").version,  # type: ignore[union-attr]
    "rollback": lambda r: (r.rollback_model("churn", "m3"), r.get_latest_model("churn")),
}


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_a_lookup_costs_as_many_requests_in_a_registry_of_20000_versions_as_in_one_of_20(
    fake: Any, lookup: str
) -> None:
    small, small_answer = requests_for(fake, 0, LOOKUPS[lookup])
    large, large_answer = requests_for(fake, LARGE, LOOKUPS[lookup])

    assert large == small
    if lookup == "latest by type":
        assert (small_answer, large_answer) == (str(DEPTH), str(DEPTH + LARGE // 2))
    elif lookup == "lineage of depth 20":
        assert small_answer == large_answer == [f"m{i}" for i in range(DEPTH)]
        assert large <= DEPTH + 2  # one search per ancestor, and the probe
    elif lookup == "rollback":
        assert small_answer[1].model_id == large_answer[1].model_id == "m3"
    else:
        assert small_answer == large_answer


def test_an_improved_model_on_an_old_baseline_costs_the_same_in_a_large_registry(
    fake: Any, sk_model: Any
) -> None:
    def improve(registry: ModelRegistry) -> Any:
        entry = registry.register_improved_model(
            sk_model, "m0", {"improvement": 0.1}, "0x" + "a" * 40
        )
        return entry.baseline_id, entry.name

    small, small_answer = requests_for(fake, 0, improve)
    large, large_answer = requests_for(fake, LARGE, improve)

    assert large == small
    assert small_answer == large_answer == ("m0", "churn")


def test_listing_a_type_returns_every_version_past_the_server_page(fake: Any) -> None:
    seed(fake, extra=LARGE)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")

    listed = registry.list_models_by_type("churn")

    assert len(listed) == DEPTH + LARGE // 2
    assert [e.version for e in listed[:2]] == ["1", "2"]
    assert listed[-1].version == str(DEPTH + LARGE // 2)


def small_pages(page_size: int) -> Container:
    container = Container()
    container.search_page_size.override(providers.Object(page_size))
    return container


def test_a_lookup_reads_every_page_of_its_answer(fake: Any) -> None:
    """Seven versions hold one model id (re-registrations); pages of three: three searches."""
    fake.state.add_versions("churn", noise(5))
    fake.state.add_versions("churn", [platform_tags("dup")] * 7)
    registry = ModelRegistry(
        fake.tracking_uri, api_key=KEYS["alice"], mode="remote", container=small_pages(3)
    )
    before = len(fake.requests)

    found = registry.get_model_by_id("dup")

    searches = [r for r in fake.requests[before:] if r.path.endswith("model-versions/search")]
    assert found.version == "12"
    assert len(searches) == 3


@pytest.mark.parametrize(
    "model_id",
    ["o'brien", 'say "hi"', "both ' and \"", "back\\slash", "trail\\", "100%_sure"],
)
def test_a_model_id_no_filter_can_quote_is_still_found_on_the_server_side(
    fake: Any, model_id: str
) -> None:
    """Values MLflow's filter language cannot quote are approximated on the server (LIKE) and
    matched exactly here: the answer is right, and the cost stays that of the answer."""
    fake.state.add_versions("churn", noise(2000))
    near = model_id.replace("\\", "'").replace('"', "'") + "-near"
    fake.state.add_versions("churn", [platform_tags(model_id), platform_tags(near)])
    fake.state.add_versions("churn", noise(2000))
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    before = len(fake.requests)

    found = registry.get_model_by_id(model_id)

    assert (found.model_id, found.version) == (model_id, "2001")
    assert len(fake.requests) - before <= 2  # the probe and one search


def test_the_head_of_a_type_is_found_without_reading_the_registered_model(fake: Any) -> None:
    """MLflow's SQL store answers ``registered-models/get`` by loading every version of the
    model (it lists the latest version of each stage): 1.4 s with 20,000 versions. The alias
    has a request of its own that reads one row; the head of a type is found with it, with the
    production alias set or not, and for a type with no versions at all."""
    seed(fake, extra=LARGE)
    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"], mode="remote")
    paths: list[str] = []

    def latest(model_type: str) -> Any:
        before = len(fake.requests)
        found = registry.get_latest_model(model_type)
        paths.extend(r.path for r in fake.requests[before:])
        return found

    newest = latest("churn")
    registry.rollback_model("churn", "m3")
    production = latest("churn")
    missing = latest("no-such-type")

    assert newest is not None and newest.version == str(DEPTH + LARGE // 2)
    assert production is not None and (production.model_id, production.aliases) == (
        "m3",
        ("production",),
    )
    assert missing is None
    assert [p for p in paths if p.endswith("registered-models/get")] == []
