"""Each HOKUSAI_MLFLOW_MODE does what its name promises, against the fake hosted registry."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest

from hokusai import (
    AuthenticationError,
    ModelRegistry,
    PermissionDeniedError,
    RegistryUnavailableError,
)
from hokusai.testing.faults import Fault
from tests.conftest import KEYS

ALICE = KEYS["alice"]


def registry(fake: Any, **kwargs: Any) -> ModelRegistry:
    kwargs.setdefault("api_key", ALICE)
    return ModelRegistry(fake.tracking_uri, **kwargs)


def test_auto_with_a_key_registers_real_artifacts_on_the_remote(fake: Any, sk_model: Any) -> None:
    entry = registry(fake).register_model(sk_model, "churn", tags={"team": "growth"})
    assert (entry.target, entry.name, entry.version) == ("remote", "churn", "1")
    assert entry.tracking_uri == fake.tracking_uri
    assert entry.source.startswith("mlflow-artifacts:/")
    uploaded = fake.artifact_paths()
    assert any(p.endswith("/MLmodel") for p in uploaded)
    assert any(p.endswith(("model.skops", "model.pkl")) for p in uploaded)
    stored = fake.model_versions("churn")
    assert len(stored) == 1 and stored[0].tags["team"] == "growth"


def test_the_registered_model_loads_back_and_predicts(fake: Any, sk_model: Any) -> None:
    reg = registry(fake)
    entry = reg.register_model(sk_model, "iris")
    loaded = reg.load_model("iris", entry.version)
    sample = np.array([[5.1, 3.5, 1.4, 0.2]])
    assert list(loaded.predict(sample)) == list(sk_model.predict(sample))


def test_auto_without_a_key_goes_local_with_one_notice(
    fake: Any, sk_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    reg = ModelRegistry(fake.tracking_uri)
    with caplog.at_level(logging.WARNING):
        first = reg.register_model(sk_model, "churn")
        second = reg.register_model(sk_model, "churn")
    assert (first.target, second.target) == ("local", "local")
    assert (first.version, second.version) == ("1", "2")
    assert first.tracking_uri.startswith("sqlite:///")
    assert fake.requests == []
    notices = [r for r in caplog.records if "No Hokusai API key" in r.getMessage()]
    assert len(notices) == 1


@pytest.mark.parametrize("kind", ["refused", "timeout", "connect_timeout"])
def test_auto_falls_back_when_unreachable_and_keeps_a_pending_record(
    fake: Any, sk_model: Any, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake.go_down(kind)
    reg = registry(fake)
    with caplog.at_level(logging.WARNING):
        entry = reg.register_model(sk_model, "churn")
        again = reg.register_model(sk_model, "churn")
    assert entry.target == "local" and entry.pending_sync
    assert entry.reason is not None and "unreachable" in entry.reason
    pending = reg.pending_store().pending()
    assert [p.local_version for p in pending] == ["1", "2"]
    assert {p.remote_tracking_uri for p in pending} == {fake.tracking_uri}
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert "hokusai sync" in warnings[0].getMessage()
    # The breaker remembered the verdict: one probe, not one per registration.
    assert again.target == "local"
    probes = [r for r in fake.requests if r.path.endswith("registered-models/search")]
    assert len(probes) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_auto_falls_back_on_gateway_errors(fake: Any, sk_model: Any, status: int) -> None:
    fake.inject(Fault.status(status), times=None)
    entry = registry(fake).register_model(sk_model, "churn")
    assert entry.target == "local" and entry.reason == f"registry unreachable: http-{status}"


@pytest.mark.parametrize(
    ("user", "error", "code"),
    [
        ("outsider", PermissionDeniedError, "REGISTRY_ADMIN_REQUIRED"),
        ("reader", PermissionDeniedError, "FORBIDDEN"),
    ],
)
def test_auto_does_not_fall_back_when_the_key_is_refused(
    fake: Any, sk_model: Any, user: str, error: type[Exception], code: str
) -> None:
    reg = registry(fake, api_key=KEYS[user])
    with pytest.raises(error) as info:
        reg.register_model(sk_model, "churn")
    assert getattr(info.value, "code", None) == code
    assert info.value.status == 403
    assert reg.pending_store().pending() == []


def test_auto_does_not_fall_back_on_an_invalid_key(fake: Any, sk_model: Any) -> None:
    reg = registry(fake, api_key="hk_live_" + "Z" * 36)
    with pytest.raises(AuthenticationError) as info:
        reg.register_model(sk_model, "churn")
    assert "Invalid or expired API key" in str(info.value)
    assert isinstance(info.value, PermissionError)
    assert fake.model_versions("churn") == []


def test_remote_mode_raises_instead_of_falling_back(fake: Any, sk_model: Any) -> None:
    fake.go_down("refused")
    reg = registry(fake, mode="remote")
    with pytest.raises(RegistryUnavailableError) as info:
        reg.register_model(sk_model, "churn")
    assert isinstance(info.value, ConnectionError)
    assert fake.tracking_uri in str(info.value)
    assert reg.pending_store().pending() == []


def test_remote_mode_registers_on_the_remote(fake: Any, sk_model: Any) -> None:
    entry = registry(fake, mode="remote").register_model(sk_model, "churn", alias="champion")
    assert entry.target == "remote" and "champion" in entry.aliases


def test_local_mode_makes_no_request_and_needs_no_key(fake: Any, sk_model: Any) -> None:
    reg = ModelRegistry(fake.tracking_uri, mode="local")
    entry = reg.register_model(sk_model, "churn", alias="candidate")
    assert entry.target == "local" and entry.aliases == ("candidate",)
    assert reg.get_model_version("churn", 1).source == entry.source
    assert fake.requests == []


def test_mock_mode_has_the_same_api_and_touches_nothing(
    fake: Any, sk_model: Any, isolated_env: Any
) -> None:
    files_before = sorted(isolated_env.rglob("*"))
    reg = ModelRegistry(mode="mock")
    baseline = reg.register_baseline(sk_model, "churn")
    assert (baseline.target, baseline.version, baseline.is_baseline) == ("mock", "1", True)
    assert reg.get_model_by_id(baseline.model_id) == baseline
    assert fake.requests == []
    assert sorted(isolated_env.rglob("*")) == files_before


def test_mock_registries_share_a_store_per_home_and_only_per_home(
    sk_model_dir: Any, tmp_path: Any
) -> None:
    first = ModelRegistry(mode="mock").register_model(sk_model_dir, "churn")
    # A later ModelRegistry() in the same script reads back what the first one registered...
    again = ModelRegistry(mode="mock")
    assert again.get_model_version("churn", first.version).idempotency_key == first.idempotency_key
    assert again.register_model(sk_model_dir, "churn").version == "2"
    # ...while another HOKUSAI_HOME (another test's) starts empty.
    elsewhere = ModelRegistry(mode="mock", home=tmp_path / "other-home")
    assert elsewhere.list_models_by_type("churn") == []


def test_legacy_mock_switch_selects_the_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKUSAI_MOCK_MODE", "true")
    assert ModelRegistry().backend.target == "mock"
    monkeypatch.setenv("HOKUSAI_MOCK_MODE", "false")
    assert ModelRegistry().backend.target != "mock"


def test_optional_mode_skips_with_a_reason_instead_of_raising(
    fake: Any, sk_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    reg = registry(fake, mode="optional", api_key=KEYS["outsider"])
    with caplog.at_level(logging.WARNING):
        entry = reg.register_model(sk_model, "churn")
    assert entry.target == "skipped" and entry.version is None
    assert entry.reason is not None and "REGISTRY_ADMIN_REQUIRED" in entry.reason
    assert "skipped" in caplog.text
    assert not entry.registered


def test_optional_mode_still_falls_back_when_unreachable(fake: Any, sk_model: Any) -> None:
    fake.go_down("refused")
    entry = registry(fake, mode="optional").register_model(sk_model, "churn")
    assert entry.target == "local" and entry.pending_sync


def test_optional_mode_still_raises_on_bad_input(fake: Any) -> None:
    with pytest.raises(ValueError, match="Cannot register"):
        registry(fake, mode="optional").register_model(object(), "churn")


def test_breaker_probes_again_after_its_cooldown(fake: Any, sk_model: Any) -> None:
    now = [0.0]
    reg = registry(fake)
    breaker = reg.container.breaker()
    breaker._clock = lambda: now[0]
    fake.go_down("refused")
    assert reg.register_model(sk_model, "churn").target == "local"
    fake.come_back()
    assert reg.register_model(sk_model, "churn").target == "local"
    now[0] += 61.0
    assert reg.register_model(sk_model, "churn").target == "remote"


def test_a_failure_mid_registration_falls_back_without_losing_the_model(
    fake: Any, sk_model: Any
) -> None:
    fake.inject(Fault.reset(), method="PUT", path="mlflow-artifacts", times=None)
    reg = registry(fake)
    entry = reg.register_model(sk_model, "churn")
    assert entry.target == "local" and entry.pending_sync
    assert reg.pending_store().get(entry.idempotency_key) is not None
    assert fake.model_versions("churn") == []


def test_constructor_makes_no_request(fake: Any) -> None:
    registry(fake)
    ModelRegistry(fake.tracking_uri, api_key=ALICE, mode="remote")
    assert fake.requests == []


def test_reads_during_an_outage_raise_instead_of_serving_the_local_namesake(
    fake: Any, sk_model: Any
) -> None:
    reg = registry(fake)
    assert reg.register_model(sk_model, "churn").target == "remote"
    fake.go_down("refused")
    reg.container.breaker().reset()
    assert reg.register_model(sk_model, "churn").target == "local"
    # Local "churn" v1 exists now, but it is not the registry's "churn" v1.
    with pytest.raises(RegistryUnavailableError):
        reg.get_model_version("churn", 1)
    with pytest.raises(RegistryUnavailableError):
        reg.load_model("churn", 1)
    local = ModelRegistry(mode="local")
    assert local.get_model_version("churn", 1).target == "local"


def test_a_lost_answer_in_remote_mode_names_the_key_that_makes_a_retry_safe(
    fake: Any, sk_model: Any
) -> None:
    fake.inject(Fault.applied_then_lost(), method="POST", path="model-versions/create")
    reg = registry(fake, mode="remote")
    with pytest.raises(RegistryUnavailableError) as info:
        reg.register_model(sk_model, "churn")
    key = info.value.idempotency_key
    assert key and f"idempotency_key={key!r}" in str(info.value)
    assert len(fake.model_versions("churn")) == 1
    reg.container.breaker().reset()
    retried = reg.register_model(sk_model, "churn", idempotency_key=key)
    assert retried.version == "1" and len(fake.model_versions("churn")) == 1


def test_downloads_from_the_download_pool_carry_their_own_registrys_key(
    fake: Any, sk_model: Any
) -> None:
    alice = registry(fake)
    entry = alice.register_model(sk_model, "churn")
    # Bound later, so a table lookup without context would pick bob's key.
    bob = registry(fake, api_key=KEYS["bob"])
    bob.register_model(sk_model, "fraud")
    before = len(fake.requests)
    alice.load_model("churn", entry.version)
    downloads = [r for r in fake.requests[before:] if "mlflow-artifacts" in r.path]
    assert downloads and {r.user for r in downloads} == {"alice"}


def test_local_mode_works_with_a_relative_home(
    sk_model: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOKUSAI_HOME", "relative-home")
    entry = ModelRegistry(mode="local").register_model(sk_model, "churn")
    assert entry.target == "local"
    assert entry.source.startswith(f"file://{tmp_path}/relative-home/")
