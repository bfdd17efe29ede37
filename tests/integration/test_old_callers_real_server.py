"""The earlier SDK's README, examples and scripts against the real server stack.

Set up as its users did: ``HOKUSAI_API_KEY`` and ``MLFLOW_TRACKING_URI``, then ``ModelRegistry()``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.real_server import RealServer
from hokusai import HokusaiError
from hokusai.core import ModelRegistry
from tests.compat import old_scripts
from tests.compat.test_old_callers_examples import (
    check_complete_registration,
    check_lifecycle,
    check_pipeline,
    check_readme_quick_start,
    check_tokenized,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def old_setup(live_server: RealServer, monkeypatch: pytest.MonkeyPatch) -> RealServer:
    monkeypatch.setenv("HOKUSAI_API_KEY", live_server.key_for("alice"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", live_server.tracking_uri)
    return live_server


def trained(count: int, model_dir: Path) -> list[str]:
    registry = ModelRegistry()
    return [
        f"models:/trained/{registry.register_model(model_dir, 'trained').version}"
        for _ in range(count)
    ]


def test_the_token_examples_and_pipeline(old_setup: RealServer, sk_model_dir: Path) -> None:
    (uri,) = trained(1, sk_model_dir)
    check_tokenized(old_scripts.tokenized_registry_example(uri))
    check_pipeline(old_scripts.pipeline_integration_example(*trained(2, sk_model_dir)))
    assert old_scripts.validate_token_examples()["rejected"][0] == "MSG AI"


def test_the_readme_and_registration_examples(old_setup: RealServer) -> None:
    check_readme_quick_start(old_scripts.readme_quick_start())
    check_complete_registration(old_scripts.complete_registration_example())
    check_lifecycle(old_scripts.lifecycle_script())


def test_a_placeholder_run_uri_registers_nothing(old_setup: RealServer) -> None:
    registry = ModelRegistry()
    with pytest.raises(HokusaiError, match="The earlier SDK registered such a URI anyway"):
        registry.register_tokenized_model(
            "runs:/abc123def456/model", "placeholder-model", "PLACEHOLDER", "reply_rate", 0.1
        )
    assert registry.list_models_by_token("PLACEHOLDER") == []


def test_every_registry_method_on_the_real_server(
    old_setup: RealServer, sk_model_dir: Path
) -> None:
    import uuid

    from hokusai import ModelNotFoundError
    from hokusai.core.registry import RegistryException

    kind = f"churn-{uuid.uuid4().hex[:8]}"
    token = f"TK-{uuid.uuid4().hex[:8]}".upper()
    registry = ModelRegistry()
    base = registry.register_baseline(sk_model_dir, kind)
    better = registry.register_improved_model(
        sk_model_dir,
        base.model_id,
        {"auc_improvement": 0.02, "latency": 3.0},
        old_scripts.CONTRIBUTOR,
    )
    lineage = registry.get_model_lineage(better.model_id)
    assert [e["model_id"] for e in lineage] == [base.model_id, better.model_id]
    assert lineage.total_improvement == pytest.approx(0.02)
    assert [e.model_id for e in registry.list_models_by_type(kind)] == [
        base.model_id,
        better.model_id,
    ]

    assert registry.get_latest_model(kind) == better
    assert registry.rollback_model(kind, base.model_id) is True
    production = registry.get_latest_model(kind)
    assert production is not None and production.model_id == base.model_id
    assert production.tags["lifecycle_stage"] == "Production"

    registry.update_model_tags(kind, better.version, {"hokusai_token_id": token.lower()})
    registry.update_model_tags(kind, better.version, {"benchmark_metric": "auc"})
    registry.update_model_tags(kind, better.version, {"benchmark_value": "0.84"})
    (listed,) = registry.list_models_by_token(token)
    assert (listed["model_name"], listed["version"], listed["baseline_value"]) == (
        kind,
        better.version,
        0.84,
    )
    assert registry.get_tokenized_model(kind, better.version)["token_id"] == token

    assert registry.delete_model_version(better.model_id) is True
    assert registry.delete_model_version(better.model_id) is False
    with pytest.raises(RegistryException, match="Model not found") as caught:
        registry.get_model_by_id(better.model_id)
    assert isinstance(caught.value, ModelNotFoundError)
    assert registry.list_models_by_token(token) == []
