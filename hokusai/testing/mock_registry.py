"""An in-memory registry with the same behaviour as the real ones: no MLflow, no network, no files.

``HOKUSAI_MLFLOW_MODE=mock`` selects it; tests can also pass one to ``ModelRegistry``::

    from hokusai import ModelRegistry
    from hokusai.testing import MockRegistryBackend

    registry = ModelRegistry(mode="mock")
    entry = registry.register_model(my_model, "churn")
    assert entry.target == "mock" and entry.version == "1"
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from hokusai.errors import ModelNotFoundError
from hokusai.flavors import uris
from hokusai.models import (
    TAG_IDEMPOTENCY_KEY,
    TAG_MLFLOW_RUN_ID,
    TAG_MODEL_ID,
    ModelRegistryEntry,
    ProbeResult,
    RegistrationRequest,
)

MOCK_URI = "mock://hokusai"

# Scripts build a new ModelRegistry() per step (the earlier SDK's own examples do), and in mock
# mode a later step must read back what an earlier one registered. One store per HOKUSAI_HOME
# gives them that, while tests that give each test its own home (as this suite does) stay
# independent. Only mock mode reaches this table.
_stores: dict[Path, MockRegistryBackend] = {}
_stores_lock = threading.Lock()


def store_for_home(home: Path) -> MockRegistryBackend:
    """The in-memory registry every mock-mode ``ModelRegistry`` with this home shares."""
    with _stores_lock:
        store = _stores.get(home)
        if store is None:
            store = _stores[home] = MockRegistryBackend()
        return store


class MockRegistryBackend:
    """Keeps registered versions, aliases and model files in memory, per instance.

    ``HOKUSAI_MLFLOW_MODE=mock`` uses one instance per ``HOKUSAI_HOME`` (``store_for_home``);
    ``container.mock_backend.override(...)`` gives a registry an instance of its own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, list[ModelRegistryEntry]] = {}
        self._aliases: dict[str, dict[str, str]] = {}
        self._files: dict[tuple[str, str], dict[str, bytes]] = {}
        # Version numbers are never reused, even after a deletion (as in MLflow).
        self._last_version: dict[str, int] = {}

    @property
    def target(self) -> str:
        return "mock"

    @property
    def tracking_uri(self) -> str:
        return MOCK_URI

    def last_probe(self) -> ProbeResult | None:
        return None

    def register(self, request: RegistrationRequest) -> ModelRegistryEntry:
        files = _read_tree(request.source.local_dir) if request.source.local_dir else {}
        with self._lock:
            # As the real stores: a URI must name something this registry holds, and the new
            # version shares that one's run, logged model and files.
            named = self._resolve(request.source.uri) if request.source.uri else None
            if named is not None:
                files = self._files.get((named.name, str(named.version)), {})
            versions = self._versions.setdefault(request.name, [])
            for existing in versions:
                if existing.idempotency_key == request.idempotency_key:
                    return self._with_aliases(existing)
            number = self._last_version.get(request.name, 0) + 1
            self._last_version[request.name] = number
            version = str(number)
            run_id = named.run_id if named else uuid.uuid4().hex
            tags = {
                **request.tags,
                **({TAG_MLFLOW_RUN_ID: run_id} if run_id else {}),
                TAG_IDEMPOTENCY_KEY: request.idempotency_key,
            }
            entry = ModelRegistryEntry(
                name=request.name,
                version=version,
                target="mock",
                tracking_uri=MOCK_URI,
                model_id=tags.get(TAG_MODEL_ID),
                run_id=run_id,
                source=request.source.uri or f"{MOCK_URI}/models/{request.name}/{version}",
                logged_model_id=named.logged_model_id if named else f"m-{uuid.uuid4().hex}",
                tags=tags,
                idempotency_key=request.idempotency_key,
            )
            versions.append(entry)
            self._files[(request.name, version)] = files
            if request.alias:
                self._aliases.setdefault(request.name, {})[request.alias] = version
            return self._with_aliases(entry)

    def _with_aliases(self, entry: ModelRegistryEntry) -> ModelRegistryEntry:
        aliases = self._aliases.get(entry.name, {})
        names = tuple(sorted(a for a, v in aliases.items() if v == entry.version))
        return replace(entry, aliases=names)

    def _resolve(self, uri: str) -> ModelRegistryEntry:
        """The version a runs:/ or models:/ URI names here; ModelNotFoundError if none."""
        ref = uris.parse(uri)
        entries = [e for versions in self._versions.values() for e in versions]
        if ref.kind == "run":
            found = [e for e in entries if e.run_id == ref.ref]
        elif ref.kind == "logged_model":
            found = [e for e in entries if e.logged_model_id == ref.ref]
        else:
            found = self._versions.get(ref.name or "", [])
            if ref.kind == "version":
                found = [e for e in found if e.version == ref.ref]
            elif ref.kind == "alias":
                version = self._aliases.get(ref.name or "", {}).get(ref.ref)
                found = [e for e in found if e.version == version]
        if not found:
            raise ModelNotFoundError(
                f"{uri!r} names nothing in this registry.",
                error_code="RESOURCE_DOES_NOT_EXIST",
                uri=MOCK_URI,
            )
        return found[-1]

    def _find(self, name: str, version: str) -> ModelRegistryEntry:
        for entry in self._versions.get(name, []):
            if entry.version == str(version):
                return entry
        raise ModelNotFoundError(
            f"Model {name!r} version {version} does not exist.",
            error_code="RESOURCE_DOES_NOT_EXIST",
            uri=MOCK_URI,
        )

    def get_version(self, name: str, version: str) -> ModelRegistryEntry:
        with self._lock:
            return self._with_aliases(self._find(name, version))

    def search_versions(
        self, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> list[ModelRegistryEntry]:
        wanted = dict(tags or {})
        with self._lock:
            entries = [
                self._with_aliases(e)
                for n, versions in self._versions.items()
                if name is None or n == name
                for e in versions
                if all(e.tags.get(k) == v for k, v in wanted.items())
            ]
        return sorted(entries, key=lambda e: (e.name, int(e.version or 0)))

    def latest_version(self, name: str) -> ModelRegistryEntry | None:
        versions = self.search_versions(name=name)
        return versions[-1] if versions else None

    def get_by_alias(self, name: str, alias: str) -> ModelRegistryEntry | None:
        with self._lock:
            version = self._aliases.get(name, {}).get(alias)
            return self._with_aliases(self._find(name, version)) if version else None

    def set_alias(self, name: str, alias: str, version: str) -> None:
        with self._lock:
            self._find(name, version)
            self._aliases.setdefault(name, {})[alias] = str(version)

    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        with self._lock:
            entry = self._find(name, version)
            versions = self._versions[name]
            merged = {**entry.tags, **tags}
            versions[versions.index(entry)] = replace(
                entry, tags=merged, model_id=merged.get(TAG_MODEL_ID)
            )

    def delete_version(self, name: str, version: str) -> None:
        with self._lock:
            entry = self._find(name, version)
            self._versions[name].remove(entry)
            self._files.pop((name, str(version)), None)
            aliases = self._aliases.get(name, {})
            for alias in [a for a, v in aliases.items() if v == str(version)]:
                del aliases[alias]

    def download(self, name: str, version: str, dst: Path) -> Path:
        with self._lock:
            self._find(name, version)
            files = dict(self._files.get((name, str(version)), {}))
        target = dst / "model"
        for relative, data in files.items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        target.mkdir(parents=True, exist_ok=True)
        return target


def _read_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
