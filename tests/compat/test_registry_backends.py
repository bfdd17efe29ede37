"""The earlier SDK's reads and changes behave the same on every backend: mock, local, remote."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from hokusai import ModelNotFoundError
from hokusai.container import Container
from hokusai.core import ModelRegistry
from hokusai.core.registry import RegistryException
from hokusai.errors import InvalidInputError, InvalidTagsError
from tests.compat.conftest import ADDRESS
from tests.conftest import KEYS


def test_a_lineage_reads_as_dicts_and_sums_only_improvements(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    base = registry.register_baseline(sk_model_dir, "churn", metadata={"dataset": "v1"})
    first = registry.register_improved_model(
        sk_model_dir, base.model_id, {"auc_improvement": 0.02, "latency_ms": -5.0}, ADDRESS
    )
    second = registry.register_improved_model(
        sk_model_dir, first.model_id, {"auc_improvement": 0.01}, contributor_address=ADDRESS
    )
    lineage = registry.get_model_lineage(second.model_id)
    assert lineage.model_id == second.model_id
    assert [e["model_id"] for e in lineage.entries] == [
        base.model_id,
        first.model_id,
        second.model_id,
    ]
    assert [e["version"] for e in lineage.entries] == ["1", "2", "3"]
    assert [e["is_baseline"] for e in lineage.entries] == [True, False, False]
    assert [e["baseline_id"] for e in lineage.entries] == [None, base.model_id, first.model_id]
    assert lineage.entries[0]["delta_metrics"] is None
    assert lineage.entries[1]["delta_metrics"] == {"auc_improvement": 0.02, "latency_ms": -5.0}
    assert lineage.entries[2]["contributor_address"] == ADDRESS
    assert all(isinstance(e["timestamp"], str) for e in lineage.entries)
    # latency_ms is a delta but not an improvement: the platform never summed it.
    assert lineage.total_improvement == pytest.approx(0.03)


def test_the_earlier_contributor_keyword_still_credits_the_contributor(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    base = registry.register_baseline(sk_model_dir, "churn")
    with pytest.warns(DeprecationWarning, match="pass contributor_address="):
        entry = registry.register_improved_model(
            model=sk_model_dir,
            baseline_id=base.model_id,
            delta_metrics={"accuracy": 0.02},
            contributor=ADDRESS,
        )
    assert entry.contributor_address == ADDRESS and entry.baseline_id == base.model_id


def test_model_name_stands_in_for_model_type_with_a_warning(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    with pytest.warns(DeprecationWarning, match="pass model_type="):
        entry = registry.register_baseline(model_name="lead_scoring", model=sk_model_dir)
    assert (entry.name, entry.model_type, entry.is_baseline) == (
        "lead_scoring",
        "lead_scoring",
        True,
    )
    assert registry.get_model_by_id(entry.model_id) == entry


def test_register_model_options_pass_through_and_platform_tags_win(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    entry = registry.register_baseline(
        sk_model_dir,
        "churn",
        tags={"team": "growth", "is_baseline": "false"},
        description="first churn model",
        alias="champion",
    )
    assert entry.tags["team"] == "growth" and entry.is_baseline is True
    assert "champion" in entry.aliases


def test_missing_baselines_and_models_raise_the_old_exception(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    with pytest.raises(RegistryException, match="Baseline model nope not found"):
        registry.register_improved_model(sk_model_dir, "nope", {"a": 1.0}, ADDRESS)
    for call in (registry.get_model_lineage, registry.get_model_by_id):
        with pytest.raises(ModelNotFoundError, match="Model not found: nope"):
            call("nope")
    with pytest.raises(ModelNotFoundError):
        registry.rollback_model("churn", "nope")
    assert registry.list_models_by_type("churn") == []


def test_rollback_moves_production_and_tags_the_lifecycle(old_env: str, sk_model_dir: Path) -> None:
    registry = ModelRegistry()
    first = registry.register_baseline(sk_model_dir, "churn")
    second = registry.register_baseline(sk_model_dir, "churn")
    assert registry.get_latest_model("churn") == second
    assert registry.rollback_model("churn", second.model_id) is True
    assert registry.rollback_model("churn", first.model_id) is True
    latest = registry.get_latest_model("churn")
    assert latest is not None and latest.model_id == first.model_id
    assert latest.tags["lifecycle_stage"] == "Production"
    assert registry.get_model_by_id(second.model_id).tags["lifecycle_stage"] == "Archived"
    assert registry.rollback_model("other_type", first.model_id) is False


def test_tokenized_models_register_read_list_and_retag(old_env: str, sk_model_dir: Path) -> None:
    registry = ModelRegistry()
    source = registry.register_model(sk_model_dir, "trained")
    uri = f"models:/trained/{source.version}"
    result = registry.register_tokenized_model(
        model_uri=uri,
        model_name="proposal-MSG-AI",
        token_id="msg-ai",
        metric_name="reply_rate",
        baseline_value=0.1342,
        additional_tags={"team": "messaging", "proposal_ticker": "MSGAI"},
    )
    assert (result["model_name"], result["version"], result["token_id"]) == (
        "proposal-MSG-AI",
        "1",
        "MSG-AI",
    )
    assert (result["metric_name"], result["baseline_value"]) == ("reply_rate", 0.1342)
    assert result["tags"]["team"] == "messaging" and result["status"] == "registered"
    assert result["proposal_identifier"] == "MSGAI"
    registry.register_tokenized_model(uri, "proposal-MSG-AI", "MSG-AI", "reply_rate", 0.15)
    registry.register_tokenized_model(uri, "other", "LEAD-AI", "auc", 0.7)

    got = registry.get_tokenized_model("proposal-MSG-AI", "1")
    assert got["token_id"] == "MSG-AI" and got["baseline_value"] == 0.1342
    listed = registry.list_models_by_token("msg-ai")
    assert [(m["model_name"], m["version"]) for m in listed] == [
        ("proposal-MSG-AI", "1"),
        ("proposal-MSG-AI", "2"),
    ]
    assert [m["baseline_value"] for m in listed] == [0.1342, 0.15]

    assert (
        registry.update_model_tags(
            "proposal-MSG-AI", "1", {"benchmark_value": "0.1456", "last_evaluated": "2024-01-15"}
        )
        is None
    )
    again = registry.get_tokenized_model("proposal-MSG-AI", 1)
    assert again["baseline_value"] == 0.1456 and again["tags"]["last_evaluated"] == "2024-01-15"
    assert again["tags"]["team"] == "messaging"


def test_a_version_without_hokusai_tags_is_no_tokenized_model(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    plain = registry.register_model(sk_model_dir, "plain", tags={"hokusai_token_id": "PLAIN"})
    with pytest.raises(InvalidTagsError, match="Missing required tag: benchmark_metric"):
        registry.get_tokenized_model("plain", plain.version)
    assert registry.list_models_by_token("PLAIN") == []
    with pytest.raises(ModelNotFoundError):
        registry.get_tokenized_model("plain", "7")


def test_tag_updates_refuse_the_sdks_own_tags_and_missing_versions(
    old_env: str, sk_model_dir: Path
) -> None:
    registry = ModelRegistry()
    entry = registry.register_model(sk_model_dir, "churn")
    with pytest.raises(InvalidInputError, match=r"hokusai\.idempotency_key"):
        registry.update_model_tags("churn", entry.version, {"hokusai.idempotency_key": "x"})
    with pytest.raises(ModelNotFoundError):
        registry.update_model_tags("churn", "9", {"a": "b"})
    with pytest.raises(InvalidInputError, match="Invalid token ID"):
        registry.update_model_tags("churn", entry.version, {"hokusai_token_id": "bad id"})
    registry.update_model_tags("churn", entry.version, {"hokusai_token_id": "new-token"})
    assert registry.get_model_version("churn", entry.version).tags["hokusai_token_id"] == (
        "NEW-TOKEN"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda r, m: r.register_model(m, "churn", tags={"hokusai.duplicate_of": "1"}),
        lambda r, m: r.register_baseline(m, "churn", tags={"hokusai.duplicate_of": "1"}),
        lambda r, m: r.register_tokenized_model(
            "models:/churn/1", "churn", "TOK", "auroc", 0.8, {"hokusai.duplicate_of": "1"}
        ),
        lambda r, m: r.update_model_tags("churn", "1", {"hokusai.duplicate_of": "1"}),
    ],
    ids=["register_model", "register_baseline", "additional_tags", "update_model_tags"],
)
def test_every_way_of_passing_tags_refuses_the_sdks_own_before_any_request(
    call: Any, fake: Any, sk_model_dir: Path
) -> None:
    # The SDK's bookkeeping tags (idempotency key, duplicate marks) decide what sync and retries
    # do: a caller's value would make a retry or sync skip or duplicate a registration.
    registry = ModelRegistry(fake.tracking_uri, KEYS["alice"])
    with pytest.raises(InvalidInputError, match=r"hokusai\.duplicate_of.*bookkeeping"):
        call(registry, sk_model_dir)
    assert fake.requests == []


def test_deleting_by_model_id_removes_only_that_version(old_env: str, sk_model_dir: Path) -> None:
    registry = ModelRegistry()
    keep = registry.register_baseline(sk_model_dir, "churn")
    drop = registry.register_baseline(sk_model_dir, "churn")
    assert registry.delete_model_version(drop.model_id) is True
    assert registry.delete_model_version(drop.model_id) is False
    assert [e.model_id for e in registry.list_models_by_type("churn")] == [keep.model_id]
    with pytest.raises(ModelNotFoundError):
        registry.get_model_by_id(drop.model_id)
    # Numbers are not reused: the next registration is version 3.
    assert registry.register_baseline(sk_model_dir, "churn").version == "3"


def test_mlflow_version_still_reads_the_registry_number(old_env: str, sk_model_dir: Path) -> None:
    registry = ModelRegistry()
    entry = registry.register_baseline(sk_model_dir, "churn")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert entry.mlflow_version == entry.version == "1"
    assert any("use .version" in str(w.message) for w in seen)


class RecordingClient:
    """An MlflowClient that remembers the search filters it sent and how much came back."""

    searches: list[tuple[str | None, int]]

    def __init__(self, tracking_uri: str) -> None:
        from mlflow import MlflowClient

        self._client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        self.searches = []

    def search_model_versions(self, filter_string: str | None = None, **kwargs: Any) -> Any:
        found = self._client.search_model_versions(filter_string, **kwargs)
        self.searches.append((filter_string, len(found)))
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.mark.parametrize("where", ["local", "remote"])
def test_lookups_by_id_and_token_filter_on_the_server(
    where: str, fake: Any, sk_model_dir: Path
) -> None:
    from dependency_injector import providers

    clients: list[RecordingClient] = []

    def factory(uri: str) -> RecordingClient:
        clients.append(RecordingClient(uri))
        return clients[-1]

    container = Container()
    container.mlflow_client_factory.override(providers.Object(factory))
    kwargs: dict[str, Any] = {"mode": where, "container": container}
    if where == "remote":
        kwargs.update(tracking_uri=fake.tracking_uri, api_key=KEYS["alice"])
    registry = ModelRegistry(**kwargs)
    entries = [registry.register_baseline(sk_model_dir, "churn") for _ in range(3)]
    (client,) = clients
    client.searches.clear()
    assert registry.get_model_by_id(entries[1].model_id) == entries[1]
    assert client.searches == [(f"tags.`model_id` = '{entries[1].model_id}'", 1)]
    client.searches.clear()
    assert registry.list_models_by_token("NO-SUCH-TOKEN") == []
    assert client.searches == [("tags.`hokusai_token_id` = 'NO-SUCH-TOKEN'", 0)]


def test_tag_changes_and_deletions_never_fall_back_to_the_local_store(
    fake: Any, sk_model_dir: Path
) -> None:
    """A version lives where it was registered: with the registry down, changing "churn" 1 on
    the local store would change another model. Registrations still fall back (auto mode)."""
    from hokusai import RegistryUnavailableError

    registry = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])
    entry = registry.register_baseline(sk_model_dir, "churn")
    assert entry.target == "remote"
    fake.go_down("refused")
    with pytest.raises(RegistryUnavailableError):
        registry.update_model_tags("churn", entry.version, {"stage": "gold"})
    with pytest.raises(RegistryUnavailableError):
        registry.delete_model_version(entry.model_id)
    local = ModelRegistry(mode="local")
    assert local.list_models_by_type("churn") == []
    fake.come_back()
    again = ModelRegistry(fake.tracking_uri, api_key=KEYS["alice"])  # a breaker that saw no outage
    assert "stage" not in again.get_model_by_id(entry.model_id).tags
