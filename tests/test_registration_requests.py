"""The requests one registration makes, against the fake registry: each needed, none twice.

The round trips are what a registration costs (each waits on the registry), so the sequence
is pinned: no read of what an earlier answer already said (the logged model's artifact
location, the new version, the experiment's id once known), and independent requests sent
side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient

from hokusai import ModelRegistry
from hokusai.errors import HokusaiError
from hokusai.testing.faults import Fault
from tests.conftest import KEYS
from tests.request_sequence import Step, as_steps, endpoints, step

ALICE = KEYS["alice"]
EXPERIMENT = "hokusai-requests"


def registry(fake: Any) -> ModelRegistry:
    return ModelRegistry(fake.tracking_uri, api_key=ALICE, mode="remote", experiment=EXPERIMENT)


def seen_since(fake: Any, mark: int) -> list[str]:
    return endpoints((r.method, r.path) for r in fake.requests[mark:])


def files_in(model_dir: Path) -> list[Path]:
    return [p for p in model_dir.rglob("*") if p.is_file()]


def registration(
    uploads: int, *, new_name: bool, new_experiment: bool, keyed: bool = False
) -> list[Step]:
    """The steps of one registration of a model directory of ``uploads`` files; ``keyed``: the
    caller gave an idempotency key (a key made for the call cannot be held by any version
    yet, so nothing is looked up before creating)."""
    experiment = (
        [step("GET experiments/get-by-name"), step("POST experiments/create")]
        if new_experiment
        else []
    )
    return [
        *([step("GET model-versions/search")] if keyed else []),  # made already?
        *experiment,
        step("POST runs/create"),
        step("POST logged-models"),
        step("PUT artifact"),  # the smallest file alone: a refusal stops here
        step("PUT artifact", times=uploads - 1),
        step(
            "GET registered-models/get",
            "PATCH logged-models/{id}",
            "POST runs/update",
        ),
        *([step("POST registered-models/create")] if new_name else []),
        step("POST model-versions/create"),
        step("GET model-versions/search"),  # a late duplicate of this registration?
    ]


def test_the_first_registration_makes_each_request_once_and_reads_nothing_back(
    fake: Any, sk_model_dir: Path
) -> None:
    # A registry's first call checks the registry is there and takes the key (the probe).
    probe = step("GET registered-models/search")
    expected = [
        probe,
        *registration(len(files_in(sk_model_dir)), new_name=True, new_experiment=True),
    ]

    entry = registry(fake).register_model(sk_model_dir, "churn")

    assert as_steps(seen_since(fake, 0), expected) == expected
    assert (entry.name, entry.version) == ("churn", "1")


def test_later_registrations_skip_the_experiment_lookup_and_the_model_creation(
    fake: Any, sk_model_dir: Path
) -> None:
    reg = registry(fake)
    reg.register_model(sk_model_dir, "churn")
    mark = len(fake.requests)
    expected = registration(len(files_in(sk_model_dir)), new_name=False, new_experiment=False)

    entry = reg.register_model(sk_model_dir, "churn")

    assert as_steps(seen_since(fake, mark), expected) == expected
    assert entry.version == "2"


def test_the_entry_returned_is_the_version_as_the_registry_reads_it(
    fake: Any, sk_model_dir: Path
) -> None:
    reg = registry(fake)

    entry = reg.register_model(sk_model_dir, "churn", tags={"team": "growth"})

    assert reg.get_model_version("churn", entry.version) == entry
    assert entry.tags["team"] == "growth" and entry.logged_model_id


def test_a_given_idempotency_key_is_looked_up_before_anything_is_created(
    fake: Any, sk_model_dir: Path
) -> None:
    reg = registry(fake)
    reg.register_model(sk_model_dir, "churn")
    mark = len(fake.requests)
    expected = registration(
        len(files_in(sk_model_dir)), new_name=False, new_experiment=False, keyed=True
    )

    reg.register_model(sk_model_dir, "churn", idempotency_key="nightly-1")
    again = reg.register_model(sk_model_dir, "churn", idempotency_key="nightly-1")

    seen = seen_since(fake, mark)
    assert as_steps(seen[:-2], expected) == expected
    # The repeat finds the version, creates nothing, and reads the version whole (aliases).
    assert seen[-2:] == ["GET model-versions/search", "GET model-versions/get"]
    assert again.version == "2"
    assert again == reg.get_model_version("churn", "2")


def test_a_retry_of_a_call_without_a_key_looks_up_what_its_first_attempt_made(
    fake: Any, sk_model_dir: Path
) -> None:
    # The create is applied, then its answer lost (503): the registry's retry must look the
    # made-up key up rather than create a second version.
    fake.inject(Fault.auth_unavailable().after_applying(), path=r"/model-versions/create$")

    entry = registry(fake).register_model(sk_model_dir, "churn")

    creates = [r.status for r in fake.requests if r.path.endswith("/model-versions/create")]
    assert creates == [503]
    assert [v.version for v in fake.model_versions("churn")] == [int(str(entry.version))]


def test_an_alias_costs_one_request_and_the_entry_holds_it(fake: Any, sk_model_dir: Path) -> None:
    reg = registry(fake)
    reg.register_model(sk_model_dir, "churn")
    mark = len(fake.requests)

    entry = reg.register_model(sk_model_dir, "churn", alias="champion")

    seen = seen_since(fake, mark)
    assert seen[-4:] == [
        "POST model-versions/create",
        "GET model-versions/search",
        # MLflow's set_registered_model_alias checks the name is not a prompt's.
        "GET registered-models/get",
        "POST registered-models/alias",
    ]
    assert "GET model-versions/get" not in seen
    assert entry.aliases == ("champion",)
    assert reg.get_model_version("churn", entry.version) == entry


def _client(fake: Any) -> MlflowClient:
    return MlflowClient(tracking_uri=fake.tracking_uri)


def test_an_experiment_deleted_for_good_and_made_again_is_found_again(
    fake: Any, sk_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", ALICE)  # for this test's own client
    reg = registry(fake)
    first = reg.register_model(sk_model_dir, "churn")
    client = _client(fake)
    old_id = client.get_run(str(first.run_id)).info.experiment_id
    client.delete_experiment(old_id)
    with fake.state.locked() as store:  # what `mlflow gc` does to a deleted experiment
        del store.experiments[old_id]
    new_id = client.create_experiment(EXPERIMENT)

    second = reg.register_model(sk_model_dir, "churn")

    assert client.get_run(str(second.run_id)).info.experiment_id == new_id != old_id
    assert second.version == "2"


def test_a_deleted_experiment_fails_as_it_does_for_a_registry_that_never_knew_it(
    fake: Any, sk_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", ALICE)
    knows_it = registry(fake)
    first = knows_it.register_model(sk_model_dir, "churn")
    client = _client(fake)
    client.delete_experiment(client.get_run(str(first.run_id)).info.experiment_id)

    with pytest.raises(HokusaiError) as remembered:
        knows_it.register_model(sk_model_dir, "churn")
    with pytest.raises(HokusaiError) as looked_up:
        registry(fake).register_model(sk_model_dir, "churn")

    def said(error: HokusaiError) -> str:
        return str(error).replace(str(error.idempotency_key), "KEY")

    assert type(remembered.value) is type(looked_up.value)
    assert said(remembered.value) == said(looked_up.value)
    assert [v.version for v in fake.model_versions("churn")] == [1]
