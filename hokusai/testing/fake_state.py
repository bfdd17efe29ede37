"""An in-memory MLflow tracking server and model registry, spoken to over MLflow's REST API.

:class:`FakeMlflowState` answers the upstream requests that the fake registry's proxy forwards
(paths without the ``/api/mlflow`` mount), with the semantics of an
``mlflow server --serve-artifacts`` backed by a database (handlers: :mod:`fake_tracking`,
:mod:`fake_registry`, :mod:`fake_artifacts`). One lock guards all data, so several threads
(MLflow's download pool, a test's own threads) can share it.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from mlflow.exceptions import MlflowException

from hokusai.testing import fake_artifacts, fake_registry, fake_tracking
from hokusai.testing.fake_api import (
    JSON_CONTENT_TYPE,
    ApiError,
    ApiReply,
    ApiRequest,
    MlflowStore,
    Routes,
    WerkzeugAnswer,
    invalid,
)
from hokusai.testing.fake_entities import (
    Experiment,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
    Run,
)
from hokusai.testing.proxy_rules import MLFLOW_MOUNT

# MLflow's server serves every /api/2.0/ endpoint under /ajax-api/2.0/ too, for its web UI.
_AJAX = re.compile(r"^/ajax-api/2\.0/")
_ROUTES = Routes(fake_tracking.route, fake_registry.route, fake_artifacts.route)


def _no_route(request: ApiRequest) -> ApiReply:
    # MLflow answers an unknown path with an HTML 404, which the proxy turns into its own JSON.
    body = {"error": "NOT_FOUND", "message": f"No route for {MLFLOW_MOUNT}{request.path}"}
    return ApiReply.json(body, 404)


class FakeMlflowState:
    """The fake's MLflow data: ``handle`` serves requests, the rest lets tests look inside.

    The inspection properties return deep copies taken under the lock: change state through
    the API (or ``MlflowClient``), or inside ``with state.locked() as store:``.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._store = MlflowStore()

    def handle(
        self,
        method: str,
        path: str,
        query: str = "",
        body: bytes = b"",
        user: str | None = None,
        content_type: str | None = JSON_CONTENT_TYPE,
    ) -> ApiReply:
        """Answer one upstream request; ``content_type`` None means the header was missing."""
        request = ApiRequest.build(method, path, query, body, user, content_type)
        served = replace(request, path=_AJAX.sub("/api/2.0/", request.path, count=1))
        reply = self._answer(served) or _no_route(request)
        # Flask answers HEAD as GET, without the body.
        return replace(reply, body=b"") if request.method == "HEAD" else reply

    def _answer(self, request: ApiRequest) -> ApiReply | None:
        """The answer, or None when no route matches (the 404 names the path as asked)."""
        try:
            with self._lock:
                return _ROUTES.dispatch(self._store, request)
        except WerkzeugAnswer as answer:
            return answer.reply
        except ApiError as error:
            return error.reply()
        except MlflowException as error:  # one of MLflow's own rules, applied by a handler
            status = int(error.get_http_status_code())  # type: ignore[no-untyped-call]
            return ApiError(status, str(error.error_code), error.message).reply()
        except ValueError as error:  # a search filter or page token the fake cannot read
            return invalid(str(error)).reply()

    def reset(self) -> None:
        with self._lock:
            self._store = MlflowStore()

    @contextmanager
    def locked(self) -> Iterator[MlflowStore]:
        """The live store, for tests that need to arrange unusual state directly."""
        with self._lock:
            yield self._store

    def add_versions(
        self, name: str, tags: Iterable[Mapping[str, str]], *, source: str = "s3://seeded/model"
    ) -> list[int]:
        """Add one version of ``name`` per item of ``tags`` straight into the data, no requests.

        For registries too large to build through the API in a test (tens of thousands of
        versions in well under a second). The versions are found, read and tagged like any
        other; their ``source`` names no files, so they cannot be downloaded. Returns their
        numbers.
        """
        with self._lock:
            model = self._store.registered_models.get(name)
            if model is None:
                model = self._store.registered_models[name] = RegisteredModel(name)
            numbers = []
            for version_tags in tags:
                number = model.next_version
                model.versions[number] = ModelVersion(
                    name=name, version=number, source=source, tags=dict(version_tags)
                )
                model.next_version += 1
                numbers.append(number)
            model.touch()
            return numbers

    def _snapshot(self, name: str) -> Any:
        with self._lock:
            return copy.deepcopy(getattr(self._store, name))

    @property
    def experiments(self) -> dict[str, Experiment]:
        return dict(self._snapshot("experiments"))

    @property
    def runs(self) -> dict[str, Run]:
        return dict(self._snapshot("runs"))

    @property
    def logged_models(self) -> dict[str, LoggedModel]:
        return dict(self._snapshot("logged_models"))

    @property
    def registered_models(self) -> dict[str, RegisteredModel]:
        return dict(self._snapshot("registered_models"))

    def model_versions(self, name: str) -> list[ModelVersion]:
        """The versions of one registered model, oldest first (empty if it does not exist)."""
        model = self.registered_models.get(name)
        return [] if model is None else [model.versions[n] for n in sorted(model.versions)]

    def artifact_paths(self, prefix: str = "") -> list[str]:
        """Stored artifact paths (``<exp>/<run>/artifacts/...``, ``<exp>/models/<id>/...``)."""
        with self._lock:
            return sorted(p for p in self._store.artifacts if p.startswith(prefix))

    def artifact(self, path: str) -> bytes:
        with self._lock:
            return self._store.artifacts[path]
