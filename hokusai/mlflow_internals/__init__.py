# MLflow ships no type hints for these internals.
# mypy: disable-error-code="no-untyped-call"
"""Every MLflow name outside its public API, checked at import; its stores on our transport.
May import: ``hokusai.transport`` and the layers below it.

Every part of MLflow that hokusai uses outside MLflow's public API, and nowhere else.

MLflow offers no public way to give one ``MlflowClient`` its own HTTP (key, timeout, retries)
without changing the process environment, nor public access to the validation rules its server
applies. What hokusai needs for those lives in this package, and each name is checked when it
loads: a release that renames or reshapes one fails here with ``UnsupportedMlflowError``, which
names the installed version and the missing parts, instead of an ``AttributeError`` from deep
inside a registration. ``tests/unit/test_mlflow_internals.py`` runs on the oldest and the newest
supported MLflow (the ``tests`` and ``tests-floor`` nox sessions).

- ``hokusai.mlflow_internals.routes``: MLflow's REST stores and HTTP artifact repository,
  subclassed so one client's requests go through its registry's transport.
- ``validation_rule``: MLflow's server-side validation functions, found by what the installed
  release calls them (``hokusai.testing``'s fake applies them).
- ``server_does``: whether the installed release's tracking server makes one of the checks
  that changed between supported releases (``server_source.SERVER_CHANGES``), read from the
  server's source, which the skinny client ships but cannot import.
- ``auth_provider_registry``: where MLflow keeps its request auth providers (the package's
  ``mlflow.request_auth_provider`` entry point is the public way; a source tree without the
  installed entry point registers here).
- ``store_registries``: where MLflow keeps its tracking store, model registry store and
  artifact repository builders by URI scheme (the same, for the ``hokusai://`` scheme).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from mlflow import MlflowClient
from mlflow.store.artifact.http_artifact_repo import HttpArtifactRepository
from mlflow.store.model_registry.rest_store import RestStore as RegistryRestStore
from mlflow.store.tracking.rest_store import RestStore as TrackingRestStore
from mlflow.utils import validation

from hokusai.errors import UnsupportedMlflowError
from hokusai.mlflow_internals.server_source import server_does
from hokusai.support import mlflow_version

_TRACKING_CLIENT_MODULE = "mlflow.tracking._tracking_service.client"
_REGISTRY_CLIENT_MODULE = "mlflow.tracking._model_registry.client"
_MIME_MODULE = "mlflow.utils.mime_type_utils"
_AUTH_REGISTRY_MODULE = "mlflow.tracking.request_auth.registry"
_MODEL_URI_MODULE = "mlflow.store.artifact.utils.models"


def _attribute(owner: Any, name: str, missing: list[str]) -> Any:
    value = getattr(owner, name, None)
    if value is None:
        missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
    return value


def _module_attribute(module: str, name: str, missing: list[str]) -> Any:
    try:
        return _attribute(importlib.import_module(module), name, missing)
    except ImportError:
        missing.append(f"{module}.{name}")
        return None


def _parameters(function: Any) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters) if function is not None else ()


def _assigns(function: Any, attribute: str) -> bool:
    """Whether ``function``'s own code sets or reads ``self.<attribute>`` (by name, or by the
    string it hands to ``getattr``/``setattr``)."""
    code = getattr(function, "__code__", None)
    return code is not None and (attribute in code.co_names or attribute in code.co_consts)


# The signatures routes.py's overrides implement; MLflow calling them with another set of
# arguments would fail mid-request, so a change is caught here instead.
TRACKING_CALL_ENDPOINT = (
    "self",
    "api",
    "json_body",
    "endpoint",
    "retry_timeout_seconds",
    "response_proto",
)
REGISTRY_CALL_ENDPOINT = ("self", "api", "json_body", "call_all_endpoints", "extra_headers")


def _load() -> dict[str, Any]:
    missing: list[str] = []
    found = {
        "TrackingServiceClient": _module_attribute(
            _TRACKING_CLIENT_MODULE, "TrackingServiceClient", missing
        ),
        "ModelRegistryClient": _module_attribute(
            _REGISTRY_CLIENT_MODULE, "ModelRegistryClient", missing
        ),
        "guess_mime_type": _module_attribute(_MIME_MODULE, "_guess_mime_type", missing),
        "parse_model_uri": _module_attribute(_MODEL_URI_MODULE, "_parse_model_uri", missing),
        "auth_providers": _module_attribute(
            _AUTH_REGISTRY_MODULE, "_request_auth_provider_registry", missing
        ),
        "validate_model_version_tag": _attribute(
            validation, "_validate_model_version_tag", missing
        ),
    }
    for owner, names in (
        (TrackingRestStore, ("_METHOD_TO_INFO", "_V3_METHOD_TO_INFO", "_V3_APIS")),
        (
            RegistryRestStore,
            (
                "_get_response_from_method",
                "_get_all_endpoints_from_method",
                "_get_endpoint_from_method",
            ),
        ),
        (HttpArtifactRepository, ("_download_file",)),
        (found["TrackingServiceClient"], ("_get_artifact_repo", "_log_url", "store")),
        (found["ModelRegistryClient"], ("store",)),
    ):
        if owner is not None:
            for name in names:
                _attribute(owner, name, missing)
    for owner, expected in (
        (TrackingRestStore, TRACKING_CALL_ENDPOINT),
        (RegistryRestStore, REGISTRY_CALL_ENDPOINT),
    ):
        if _parameters(_attribute(owner, "_call_endpoint", missing)) != expected:
            missing.append(f"{owner.__module__}.RestStore._call_endpoint{expected[1:]}")
    # The two service clients an MlflowClient holds, which routes.route_through replaces.
    if not _assigns(MlflowClient.__init__, "_tracking_client"):
        missing.append("MlflowClient._tracking_client")
    if not _assigns(getattr(MlflowClient, "_get_registry_client", None), "_registry_client_lazy"):
        missing.append("MlflowClient._registry_client_lazy")
    if missing:
        raise _unsupported(missing)
    return found


def _unsupported(missing: list[str]) -> UnsupportedMlflowError:
    return UnsupportedMlflowError(
        f"hokusai cannot use {mlflow_version.describe()}: it lacks "
        f"{', '.join(sorted(set(missing)))}. hokusai supports {mlflow_version.supported_range()}.",
        hint=f"pip install 'mlflow-skinny=={mlflow_version.NEWEST_TESTED}', and report the "
        "version at https://github.com/Hokusai-protocol/hokusai-data-pipeline/issues.",
    )


mlflow_version.check()
_found = _load()
TrackingServiceClient: Any = _found["TrackingServiceClient"]
ModelRegistryClient: Any = _found["ModelRegistryClient"]
guess_mime_type: Callable[[str], str] = _found["guess_mime_type"]
# models:/<name>/<version|stage|latest>, models:/<name>@<alias> or models:/<model_id> read as
# the server reads them: a result with name, version, stage, alias and model_id (None where
# absent); MlflowException for a malformed URI.
parse_model_uri: Callable[[str], Any] = _found["parse_model_uri"]
validate_model_version_tag: Callable[[str, str], None] = _found["validate_model_version_tag"]


def auth_provider_registry() -> Any:
    """MLflow's registry of request auth providers (``register(cls)``, iterable)."""
    return _found["auth_providers"]


_STORE_REGISTRIES = (
    ("mlflow.tracking._tracking_service.utils", "_tracking_store_registry"),
    ("mlflow.tracking._model_registry.utils", "_get_store_registry"),
    ("mlflow.store.artifact.artifact_repository_registry", "_artifact_repository_registry"),
)


def store_registries() -> tuple[Any, Any, Any]:
    """MLflow's tracking store, model registry store and artifact repository registries (each
    has ``register(scheme, builder)``)."""
    missing: list[str] = []
    found = [_module_attribute(module, name, missing) for module, name in _STORE_REGISTRIES]
    if missing:
        raise _unsupported(missing)
    tracking, registry_of, artifacts = found
    # The model registry's is built on first use.
    return tracking, registry_of(), artifacts


def validation_rule(*names: str) -> Callable[..., Any]:
    """MLflow's validation function under the first of ``names`` the installed release has.

    Releases rename these (``_validate_model_alias_name`` of 3.9 is
    ``_validate_alias_name`` in 3.18), so callers name every spelling they know, newest first.
    """
    for name in names:
        rule = getattr(validation, name, None)
        if callable(rule):
            return rule  # type: ignore[no-any-return]
    raise _unsupported([f"mlflow.utils.validation.{' or '.join(names)}"])


def set_service_clients(client: MlflowClient, tracking: Any, registry: Any) -> None:
    """Give one ``MlflowClient`` instance its tracking and (lazily built) registry clients."""
    client._tracking_client = tracking
    client._registry_client_lazy = registry  # type: ignore[attr-defined]


__all__ = [
    "ModelRegistryClient",
    "TrackingServiceClient",
    "auth_provider_registry",
    "guess_mime_type",
    "parse_model_uri",
    "server_does",
    "set_service_clients",
    "store_registries",
    "validate_model_version_tag",
    "validation_rule",
]
