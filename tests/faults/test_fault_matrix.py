"""The fault matrix: every failure the registry can answer with, at every step, in every mode.

Each case registers one model (with tags and an alias) against the fake registry while one
step of the registration meets one fault, and checks what the caller sees:

- the outcome: an error of the right class (with the proxy's code and the HTTP status), or the
  fallback (auto/optional: the local store plus a durable pending record), or a skip
  (optional, a refusal);
- no hang and no retry storm: the case ends well within a hang guard (MLflow's unbounded
  defaults take minutes), and the failing request was made exactly once (``responses`` replays MLflow's retries without sleeping, so
  a retry storm shows as a count, not as minutes);
- nothing lost, nothing doubled: the model is on the remote (one version with the
  registration's idempotency key) or in the local store with a pending record; when an error
  reaches the caller, nothing is recorded as a success anywhere; and registering again with the
  same idempotency key once the registry is back returns the version already there.

The expected outcome of a case comes from ``EXPECTED`` (what a fault means) and ``outcome``
(what each mode does about it), which read as the spec; they do not ask the SDK.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hokusai import (
    AuthenticationError,
    HokusaiError,
    ModelRegistry,
    PermissionDeniedError,
    RateLimitedError,
    RegistryError,
    RegistryUnavailableError,
)
from hokusai.models import TAG_IDEMPOTENCY_KEY, ModelRegistryEntry
from hokusai.testing.fake_server import FakeRegistryServer
from hokusai.testing.faults import Fault
from tests.conftest import KEYS
from tests.faults.conftest import PROBE_TIMEOUT_S, MakeRegistry

ALICE = KEYS["alice"]
TAGS = {"team": "growth", "dataset": "2024-q4"}
ALIAS = "champion"
# A hang guard, not a speed goal (how fast the decision is lives in benchmarks/): MLflow's own
# defaults retry and wait for minutes, and a loaded CI machine must not turn seconds into a flake.
TIME_BOUND_S = PROBE_TIMEOUT_S + 30.0


# -- the faults ---------------------------------------------------------------------------------

FAULTS: dict[str, Callable[[], Fault]] = {
    "401-no-key": Fault.key_required,
    "401-invalid-key": Fault.invalid_key,
    "402": Fault.insufficient_balance,
    "403-registry-admin-required": Fault.registry_admin_required,
    "403-forbidden": Fault.forbidden,
    "404": lambda: Fault.status(404, json={"error": "NOT_FOUND", "message": "No route"}),
    "429-retry-after-60": Fault.rate_limited,
    "500": Fault.internal_error,
    "502": Fault.bad_gateway,
    "503-retry-after-1": Fault.auth_unavailable,
    "504": Fault.gateway_timeout,
    "503-text-body": lambda: Fault.text(503, "Service Unavailable"),
    "502-html-body": Fault.html,
    "refused": Fault.refused,
    "timeout": Fault.timeout,
    "reset-during-upload": Fault.reset,
    "applied-then-lost": Fault.applied_then_lost,
}

# Faults that strike once (the write is applied, then the answer is lost); the others persist.
ONE_SHOT = {"applied-then-lost"}


# -- the steps of a registration: (method, path pattern) of the request that meets the fault ----

STEPS: dict[str, tuple[str, str]] = {
    "probe": ("GET", r"/registered-models/search$"),
    "idempotency-lookup": ("GET", r"/model-versions/search$"),
    "experiment": ("POST", r"/experiments/create$"),
    "run": ("POST", r"/runs/create$"),
    "logged-model": ("POST", r"/logged-models$"),
    "artifact-upload": ("PUT", r"/mlflow-artifacts/artifacts/"),
    "finalize": ("PATCH", r"/logged-models/m-[0-9a-f]+$"),
    "run-end": ("POST", r"/runs/update$"),
    "registered-model": ("POST", r"/registered-models/create$"),
    "model-version": ("POST", r"/model-versions/create$"),  # carries the tags and the key
    "alias": ("POST", r"/registered-models/alias$"),
}

MODES = ("auto", "remote", "optional")

# Faults that belong to one step only; every other fault meets every step.
ONLY_AT = {"reset-during-upload": "artifact-upload"}
CASES = [(fault, step) for fault in FAULTS for step in STEPS if ONLY_AT.get(fault, step) == step]


# -- the spec -----------------------------------------------------------------------------------


class Unreachable:
    """The registry is down or broken (refused, timeout, reset, lost answer, 5xx): not the
    caller's doing, so auto and optional keep the model locally and remote raises."""

    def __repr__(self) -> str:
        return "UNREACHABLE"


UNREACHABLE = Unreachable()

# What each fault means for a registration, whatever step it strikes.
EXPECTED: dict[str, type[HokusaiError] | Unreachable] = {
    "401-no-key": AuthenticationError,
    "401-invalid-key": AuthenticationError,
    "402": RegistryError,  # a billing refusal: neither a fallback nor a missing model
    "403-registry-admin-required": PermissionDeniedError,
    "403-forbidden": PermissionDeniedError,
    "404": RegistryError,  # the proxy's unknown path: no model is missing, the URI is wrong
    "429-retry-after-60": RateLimitedError,
    "500": UNREACHABLE,
    "502": UNREACHABLE,
    "503-retry-after-1": UNREACHABLE,
    "504": UNREACHABLE,
    "503-text-body": UNREACHABLE,  # classified by status, whatever the body
    "502-html-body": UNREACHABLE,
    "refused": UNREACHABLE,
    "timeout": UNREACHABLE,
    "reset-during-upload": UNREACHABLE,
    "applied-then-lost": UNREACHABLE,
}

# The proxy's `error` a PermissionDeniedError must carry as its `code`.
CODES = {"403-registry-admin-required": "REGISTRY_ADMIN_REQUIRED", "403-forbidden": "FORBIDDEN"}


@dataclass(frozen=True)
class Raises:
    error: type[HokusaiError]


@dataclass(frozen=True)
class Fallback:
    """Registered in the local store, with a pending record for `hokusai sync`."""


@dataclass(frozen=True)
class Skipped:
    """optional mode: nothing registered, no error; the reason names the error."""

    error: type[HokusaiError]


Outcome = Raises | Fallback | Skipped


def outcome(fault: str, mode: str) -> Outcome:
    """What the caller gets: the spec of the three modes, in four lines."""
    means = EXPECTED[fault]
    if isinstance(means, Unreachable):
        return Raises(RegistryUnavailableError) if mode == "remote" else Fallback()
    return Skipped(means) if mode == "optional" else Raises(means)


def reaches_remote(fault: str, step: str) -> bool:
    """Whether the model version exists on the remote after the case: the fault struck after
    the version was created (the alias), or the creation was applied and its answer lost."""
    return step == "alias" or (step == "model-version" and fault == "applied-then-lost")


# -- helpers ------------------------------------------------------------------------------------


def remote_versions(fake: FakeRegistryServer, name: str) -> list[Any]:
    """Versions on the fake registry that hold the registration keyed by ``name``."""
    return [v for v in fake.model_versions(name) if v.tags.get(TAG_IDEMPOTENCY_KEY) == name]


def local_versions(registry: ModelRegistry, name: str) -> list[ModelRegistryEntry]:
    """Every version of ``name`` in the registry's local store."""
    return list(registry.container.local_store().search_versions(name=name))


def register(registry: ModelRegistry, model_dir: Path, name: str) -> ModelRegistryEntry:
    """Register under ``name``, which is also the idempotency key: one name per case."""
    return registry.register_model(model_dir, name, tags=TAGS, alias=ALIAS, idempotency_key=name)


# -- the matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("fault", "step"), CASES)
def test_fault_matrix(
    fake: FakeRegistryServer,
    make_registry: MakeRegistry,
    model_dir: Path,
    fault: str,
    step: str,
    mode: str,
) -> None:
    method, path = STEPS[step]
    injection = fake.inject(
        FAULTS[fault](), method=method, path=path, times=1 if fault in ONE_SHOT else None
    )
    registry = make_registry(fake.tracking_uri, ALICE, mode)
    key = f"{fault}-{step}-{mode}"  # the model's name and its idempotency key
    expected = outcome(fault, mode)

    started = time.perf_counter()
    entry: ModelRegistryEntry | None = None
    error: HokusaiError | None = None
    try:
        entry = register(registry, model_dir, key)
    except HokusaiError as exc:
        error = exc
    elapsed = time.perf_counter() - started

    # No hang, and no retry storm: the failing request was made once, and only once.
    assert elapsed < TIME_BOUND_S, f"{elapsed:.2f} s"
    assert injection.fired == 1, f"the failing request was made {injection.fired} times"

    # What the caller sees (never the key itself).
    assert ALICE not in f"{error!s} {error!r} {entry!r}"
    status = FAULTS[fault]().http_status
    match expected:
        case Raises(error=error_class):
            assert entry is None, f"expected {error_class.__name__}, got {entry}"
            assert type(error) is error_class, repr(error)
            assert error.status == status
            assert getattr(error, "code", None) == CODES.get(fault)
            assert error.uri == fake.tracking_uri
        case Skipped(error=error_class):
            assert error is None, repr(error)
            assert entry is not None and entry.target == "skipped" and entry.version is None
            assert not entry.registered and not entry.pending_sync
            assert entry.reason is not None and entry.reason.startswith(error_class.__name__)
            assert entry.idempotency_key == key
        case Fallback():
            assert error is None, repr(error)
            assert entry is not None and entry.target == "local" and entry.pending_sync
            assert (entry.name, entry.version, entry.aliases) == (key, "1", (ALIAS,))
            assert entry.tags.items() >= TAGS.items()
            assert entry.reason is not None
            if status is not None:
                assert entry.reason == f"registry unreachable: http-{status}"

    # Nothing lost, nothing doubled.
    on_remote = remote_versions(fake, key)
    assert len(on_remote) == (1 if reaches_remote(fault, step) else 0)
    assert len(fake.model_versions(key)) == len(on_remote)
    for version in on_remote:
        assert version.tags.items() >= TAGS.items()
    record = registry.pending_store().get(key)
    local = local_versions(registry, key)
    if isinstance(expected, Fallback):
        assert entry is not None
        assert record is not None and record.status == "pending"
        assert (record.name, record.local_version, record.alias) == (key, "1", ALIAS)
        assert dict(record.tags).items() >= TAGS.items()
        assert record.remote_tracking_uri == fake.tracking_uri
        assert [(v.version, v.idempotency_key, v.source) for v in local] == [
            ("1", key, entry.source)
        ]
    else:
        # An error or a skip: nothing was recorded as registered anywhere on this machine.
        assert record is None
        assert local == []

    # The SDK's bounded retries were only for the duration of the call.
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ

    if on_remote:
        # Once the registry is back, the same registration finds its version: no version 2.
        fake.faults.clear()
        with make_registry(fake.tracking_uri, ALICE, "remote") as recovered:
            again = register(recovered, model_dir, key)
        assert (again.target, again.version) == ("remote", str(on_remote[0].version))
        assert ALIAS in again.aliases
        assert len(fake.model_versions(key)) == 1


# -- the cases the matrix makes hard to read ----------------------------------------------------


def test_a_lost_answer_to_version_creation_is_kept_locally_and_never_doubled(
    fake: FakeRegistryServer, make_registry: MakeRegistry, model_dir: Path
) -> None:
    fake.inject(Fault.applied_then_lost(), method="POST", path=r"/model-versions/create$")
    registry = make_registry(fake.tracking_uri, ALICE, "auto")

    entry = register(registry, model_dir, "lost-answer")

    # The write happened on the registry, and the SDK, not knowing, kept the model locally.
    assert [v.tags[TAG_IDEMPOTENCY_KEY] for v in fake.model_versions("lost-answer")] == [
        "lost-answer"
    ]
    assert entry.target == "local" and entry.pending_sync
    record = registry.pending_store().get("lost-answer")
    assert record is not None and record.idempotency_key == entry.idempotency_key

    recovered = make_registry(fake.tracking_uri, ALICE, "auto")
    again = register(recovered, model_dir, "lost-answer")

    assert (again.target, again.version) == ("remote", "1")
    assert [v.version for v in fake.model_versions("lost-answer")] == [1]


def test_after_a_fallback_the_next_call_does_not_wait_on_the_registry_again(
    fake: FakeRegistryServer, make_registry: MakeRegistry, model_dir: Path
) -> None:
    fake.inject(Fault.refused(), method="PUT", path="mlflow-artifacts", times=None)
    registry = make_registry(fake.tracking_uri, ALICE, "auto")
    assert register(registry, model_dir, "breaker-first").target == "local"
    seen = len(fake.requests)

    second = register(registry, model_dir, "breaker-second")

    assert second.target == "local" and second.pending_sync
    assert len(fake.requests) == seen  # the breaker remembered: not a single request
    assert registry.pending_store().get("breaker-second") is not None


def test_a_reset_between_two_uploads_loses_nothing(
    fake: FakeRegistryServer, make_registry: MakeRegistry, model_dir: Path, tmp_path: Path
) -> None:
    fake.inject(Fault.reset(), method="PUT", path="mlflow-artifacts", after=1, times=None)
    registry = make_registry(fake.tracking_uri, ALICE, "auto")

    entry = register(registry, model_dir, "reset-second-upload")

    assert len(fake.artifact_paths()) == 1  # one file made it before the reset
    assert fake.model_versions("reset-second-upload") == []
    assert entry.target == "local"
    assert registry.pending_store().get("reset-second-upload") is not None
    # Reads never fall back, so read the fallback copy from the local store itself.
    local = registry.container.local_store()
    back = local.download("reset-second-upload", entry.version or "", tmp_path)
    assert sorted(p.name for p in back.iterdir()) == sorted(p.name for p in model_dir.iterdir())


def test_a_rate_limit_at_the_probe_says_when_to_retry(
    fake: FakeRegistryServer, make_registry: MakeRegistry, model_dir: Path
) -> None:
    fake.inject(Fault.rate_limited(), path=r"/registered-models/search$", times=None)
    registry = make_registry(fake.tracking_uri, ALICE, "auto")

    with pytest.raises(RateLimitedError) as caught:
        register(registry, model_dir, "rate-limited")

    assert caught.value.retry_after == 60
    assert "Retry after 60 s" in str(caught.value)


def test_with_retries_off_a_transient_failure_is_not_retried_behind_the_callers_back(
    fake: FakeRegistryServer, make_registry: MakeRegistry, model_dir: Path
) -> None:
    """With a retry deadline of 0 (the matrix's registries), one 503 on a write in remote mode
    raises at once; calling again then succeeds."""
    fake.inject(Fault.auth_unavailable(), method="POST", path=r"/model-versions/create$")
    registry = make_registry(fake.tracking_uri, ALICE, "remote")

    with pytest.raises(RegistryUnavailableError):
        register(registry, model_dir, "transient")
    creations = [r for r in fake.requests if r.path.endswith("/model-versions/create")]
    entry = register(registry, model_dir, "transient")

    assert len(creations) == 1
    assert (entry.target, entry.version) == ("remote", "1")
    assert len(fake.model_versions("transient")) == 1
