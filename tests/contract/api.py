"""Raw REST access to a registry under test, for scenarios about what the server refuses.

The SDK and MLflow's client validate much of their input before sending it; a user's test
double must still refuse what the server refuses, because code that builds requests itself
(or a newer client that validates less) meets the server's answer. So these scenarios speak
HTTP directly, with a key in ``Authorization: Bearer``, as MLflow's client does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from hokusai.support.mlflow_version import release

REST = "/api/2.0/mlflow"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Api:
    """One user's raw view of the registry's MLflow REST API (``/api/2.0/mlflow/...``)."""

    def __init__(self, tracking_uri: str, key: str | None) -> None:
        self.tracking_uri = tracking_uri
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def url(self, path: str) -> str:
        """``path`` under the REST root (``runs/create``), or absolute below the tracking URI."""
        return self.tracking_uri + (path if path.startswith("/") else f"{REST}/{path}")

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """``path`` as :meth:`url` reads it."""
        return requests.request(
            method,
            self.url(path),
            json=body,
            params=params,
            headers=self.headers if headers is None else headers,
            timeout=30,
        )

    def ok(self, method: str, path: str, body: Any = None, params: Any = None) -> Any:
        """The JSON answer of a call that must succeed."""
        response = self.call(method, path, body, params)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    # -- arranging state --------------------------------------------------------------------
    def experiment(self) -> str:
        return str(self.ok("POST", "experiments/create", {"name": unique("exp")})["experiment_id"])

    def run(self, experiment_id: str | None = None) -> str:
        body = {"experiment_id": experiment_id or self.experiment(), "start_time": 1}
        return str(self.ok("POST", "runs/create", body)["run"]["info"]["run_id"])

    def model(self) -> str:
        name = unique("model")
        self.ok("POST", "registered-models/create", {"name": name})
        return name

    def version(self, name: str | None = None) -> tuple[str, str]:
        """A registered model with one version (sourced from a fresh run): (name, version)."""
        name = name or self.model()
        run_id = self.run()
        body = {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id}
        version = self.ok("POST", "model-versions/create", body)["model_version"]["version"]
        return name, str(version)


def outcome(response: requests.Response) -> tuple[int, str | None]:
    """The HTTP status and MLflow's ``error_code`` (None on success or a non-MLflow body)."""
    try:
        body = response.json()
    except ValueError:
        return response.status_code, None
    code = body.get("error_code") if isinstance(body, dict) else None
    return response.status_code, code


def message_of(response: requests.Response) -> str:
    """MLflow's ``message`` (the proxy's too), else the body as text."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    return str(body["message"]) if isinstance(body, dict) and "message" in body else response.text


@dataclass(frozen=True)
class Case:
    """One request scenario: ``act`` arranges what it needs and returns the answer to judge."""

    expected: tuple[int, str | None]
    act: Callable[[Api], requests.Response]
    # What an MLflow 3.9 server (the platform's pin) answers instead, where it differs.
    on_3_9: tuple[int, str | None] | None = None
    # Text the answer's body holds (a refusal's wording), on every release unless on_3_9
    # differs; then ``says_on_3_9`` is what a 3.9 server's answer holds (None: not checked).
    says: str | None = None
    says_on_3_9: str | None = None

    def expected_from(self, mlflow_version: str) -> tuple[int, str | None]:
        if self.on_3_9 is not None and release(mlflow_version)[:2] == (3, 9):
            return self.on_3_9
        return self.expected

    def says_from(self, mlflow_version: str) -> str | None:
        if release(mlflow_version)[:2] == (3, 9) and self.on_3_9 is not None:
            return self.says_on_3_9
        return self.says
