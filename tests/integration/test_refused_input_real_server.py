"""Input the real MLflow server would refuse leaves nothing on it: refused before any request."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from hokusai.errors import InvalidInputError

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "bad", [{"tags": {"bad key!": "v"}}, {"tags": {"../escape": "v"}}, {"description": 42}]
)
def test_nothing_reaches_or_stays_on_the_server(
    live_server: RealServer, sk_model: Any, bad: dict[str, Any]
) -> None:
    registry = ModelRegistry(
        live_server.tracking_uri, api_key=live_server.key_for("alice"), mode="remote"
    )
    name = f"refused-{uuid.uuid4().hex[:8]}"
    seen = len(live_server.requests())
    with pytest.raises(InvalidInputError):
        registry.register_model(sk_model, name, **bad)
    assert len(live_server.requests()) == seen

    client = registry.client
    assert client.search_registered_models(filter_string=f"name = '{name}'") == []
    experiment = client.get_experiment_by_name("hokusai")
    if experiment is not None:  # another test may have created it; it holds no run of ours
        runs = client.search_runs(
            [experiment.experiment_id], filter_string=f"attributes.run_name = 'register-{name}'"
        )
        assert runs == []
