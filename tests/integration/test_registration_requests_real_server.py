"""One registration's requests on the real server, from the proxy's log: each needed, none
twice, and the model they register loads back.

The expected steps are the ones the fake registry pins (tests/test_registration_requests.py);
here MLflow's real server answers, so what the SDK skips reading back (the logged model's
artifact location, the new version) must really have been in the answers it kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from tests.request_sequence import as_steps, endpoints
from tests.test_registration_requests import files_in, registration

pytestmark = pytest.mark.integration

SAMPLE = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])


@pytest.fixture
def registry(live_server: RealServer) -> Iterator[ModelRegistry]:
    with ModelRegistry(
        live_server.tracking_uri,
        api_key=live_server.key_for("alice"),
        mode="remote",
        experiment=f"requests-{uuid.uuid4().hex[:8]}",
    ) as registry:
        yield registry


def test_a_registration_makes_the_listed_requests_and_the_model_loads(
    live_server: RealServer, registry: ModelRegistry, sk_model: Any, sk_model_dir: Path
) -> None:
    name = f"requests-{uuid.uuid4().hex[:8]}"
    registry.register_model(sk_model_dir, name)  # the first: probe, experiment, model name
    mark = len(live_server.requests())
    expected = registration(len(files_in(sk_model_dir)), new_name=False, new_experiment=False)

    entry = registry.register_model(sk_model_dir, name)

    records = live_server.requests()[mark:]
    assert as_steps(endpoints((r.method, r.path) for r in records), expected) == expected
    assert all(r.status == 200 and r.user == "alice" for r in records), records
    assert registry.get_model_version(name, entry.version) == entry
    loaded = registry.load_model(name, entry.version)
    assert list(loaded.predict(SAMPLE)) == list(sk_model.predict(SAMPLE))  # type: ignore[attr-defined]
