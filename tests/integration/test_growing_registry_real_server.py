"""Lookups page through a real ``mlflow server``'s answers, and filter with its own language.

The registry is made with pages of two versions, so that five versions cross two page
boundaries; versions are created through MLflow's client (no model files: these tests read).
"""

from __future__ import annotations

import uuid

import pytest
from dependency_injector import providers

from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from hokusai.container import Container
from hokusai.models import TAG_MODEL_ID, TAG_MODEL_TYPE

pytestmark = pytest.mark.integration

PAGE = 2


def registry_with_pages_of(server: RealServer, page_size: int) -> ModelRegistry:
    container = Container()
    container.search_page_size.override(providers.Object(page_size))
    return ModelRegistry(
        server.tracking_uri, api_key=server.key_for("alice"), mode="remote", container=container
    )


def add_versions(registry: ModelRegistry, name: str, model_ids: list[str]) -> None:
    client = registry.client
    client.create_registered_model(name)
    for model_id in model_ids:
        client.create_model_version(
            name, "s3://bucket/model", tags={TAG_MODEL_ID: model_id, TAG_MODEL_TYPE: name}
        )


def searches_since(server: RealServer, count: int) -> int:
    return sum(r.path.endswith("model-versions/search") for r in server.requests()[count:])


def test_a_version_past_the_first_page_is_found(live_server: RealServer) -> None:
    registry = registry_with_pages_of(live_server, PAGE)
    name, model_id = f"churn-{uuid.uuid4().hex[:8]}", f"m-{uuid.uuid4().hex[:8]}"
    add_versions(registry, name, [model_id] * 5)
    # The server lists the most recently updated first: touching 1-4 puts 5 on the last page.
    for version in ("1", "2", "3", "4"):
        registry.client.update_model_version(name, version, description="touched")
    before = len(live_server.requests())

    found = registry.get_model_by_id(model_id)

    assert found.version == "5"
    assert searches_since(live_server, before) == 3  # pages of 2, 2 and 1
    assert [e.version for e in registry.list_models_by_type(name)] == ["1", "2", "3", "4", "5"]
    assert registry.get_latest_model(name).version == "5"  # type: ignore[union-attr]


def test_model_ids_the_filter_language_cannot_quote_are_found(live_server: RealServer) -> None:
    registry = registry_with_pages_of(live_server, PAGE)
    name = f"churn-{uuid.uuid4().hex[:8]}"
    odd = ["o'brien", 'say "hi"', "both ' and \" \\", "trail\\"]
    add_versions(registry, name, [f"{text}-near" for text in odd] + odd)

    found = {text: registry.get_model_by_id(text) for text in odd}

    assert {text: (entry.name, entry.model_id) for text, entry in found.items()} == {
        text: (name, text) for text in odd
    }
