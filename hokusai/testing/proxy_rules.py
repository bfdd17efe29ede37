"""The production proxy's authentication rules, as one pure function.

Both test doubles apply these rules: the in-process fake server (`hokusai.testing.fake_server`)
and the authenticating reverse proxy that the integration tests put in front of a real
``mlflow server``. Keeping them in one place is what lets the contract tests hold the two
to the same answers.

The rules follow the production registry (see ``docs/``): the MLflow API is mounted at
``/api/mlflow``, health is unauthenticated at ``/api/health/mlflow``, keys travel as
``Authorization: Bearer``, and the proxy also accepts ``X-API-Key`` and ``?api_key=``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MLFLOW_MOUNT = "/api/mlflow"
HEALTH_PATH = "/api/health/mlflow"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITE_SCOPES = frozenset({"model:write", "mlflow:write"})
BEARER = "Bearer "


@dataclass(frozen=True)
class KeyGrant:
    """What one API key may do on the registry."""

    user: str
    scopes: frozenset[str] = field(default_factory=lambda: frozenset(WRITE_SCOPES | {"model:read"}))
    registry_access: bool = True

    @property
    def can_write(self) -> bool:
        return bool(self.scopes & WRITE_SCOPES)


@dataclass(frozen=True)
class ProxyAnswer:
    """A response the proxy gives itself instead of forwarding to MLflow."""

    status: int
    body: dict[str, object]
    headers: Mapping[str, str] = field(default_factory=dict)

    def json_body(self) -> str:
        return json.dumps(self.body)


def load_keys(path: str | Path) -> dict[str, KeyGrant]:
    """Read a key file: ``{"<key>": {"user": ..., "scopes": [...], "registry_access": bool}}``."""
    raw = json.loads(Path(path).read_text())
    return {
        key: KeyGrant(
            user=spec["user"],
            scopes=frozenset(spec.get("scopes", sorted(WRITE_SCOPES | {"model:read"}))),
            registry_access=bool(spec.get("registry_access", True)),
        )
        for key, spec in raw.items()
    }


def presented_key(headers: Mapping[str, str], url: str) -> str | None:
    """The key a request presents, in the proxy's order: bearer header, X-API-Key, query.

    Header names are case-insensitive, as in all of HTTP; the scheme is read as the production
    proxy reads it: exactly ``Bearer`` and one space, the rest taken as it stands. So
    ``bearer <key>``, ``Token <key>`` or a bare key carry no key (401 ``API key required``
    unless another channel has one), and ``Bearer  <key>`` presents a key that starts with a
    space (401 ``Invalid or expired API key``).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    auth = lowered.get("authorization", "")
    if auth.startswith(BEARER):
        return auth[len(BEARER) :] or None
    if lowered.get("x-api-key"):
        return lowered["x-api-key"].strip()
    query = parse_qs(urlsplit(url).query)
    values = query.get("api_key")
    return values[0] if values else None


def check_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    keys: Mapping[str, KeyGrant],
) -> ProxyAnswer | None:
    """Return the proxy's own answer for this request, or None to forward it to MLflow.

    ``url`` may be absolute or just a path (with query).
    """
    path = urlsplit(url).path
    if path == HEALTH_PATH:
        return ProxyAnswer(200, {"status": "healthy", "mlflow": "reachable"})
    if not (path == MLFLOW_MOUNT or path.startswith(MLFLOW_MOUNT + "/")):
        return ProxyAnswer(404, {"error": "NOT_FOUND", "message": f"No route for {path}"})
    key = presented_key(headers, url)
    if key is None:
        return ProxyAnswer(401, {"error": "API key required"})
    grant = keys.get(key)
    if grant is None:
        return ProxyAnswer(401, {"error": "Invalid or expired API key"})
    if not grant.registry_access:
        return ProxyAnswer(
            403,
            {
                "error": "REGISTRY_ADMIN_REQUIRED",
                "message": "This API key is not allowed to use the model registry.",
            },
        )
    if method.upper() in WRITE_METHODS and not grant.can_write:
        return ProxyAnswer(
            403,
            {
                "error": "FORBIDDEN",
                "message": "This API key lacks the model:write or mlflow:write scope.",
                "required_scopes": sorted(WRITE_SCOPES),
            },
        )
    return None


def upstream_path(url: str) -> str:
    """The path MLflow itself sees: the request path with the ``/api/mlflow`` mount removed."""
    path = urlsplit(url).path
    return path[len(MLFLOW_MOUNT) :] or "/"
