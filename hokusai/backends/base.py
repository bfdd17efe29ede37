"""What every place a model can be registered offers the ModelRegistry."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from hokusai.models import ModelRegistryEntry, ProbeResult, RegistrationRequest


@runtime_checkable
class RegistryBackend(Protocol):
    """A registry of model versions: the hosted one, the local store, or the in-memory mock.

    Backends take validated requests; platform rules (baselines, lineage, tags) live in
    ``ModelRegistry`` so that every backend behaves the same under them.
    """

    @property
    def target(self) -> str:
        """Where the last (or next) call goes: ``remote``, ``local`` or ``mock``."""
        ...

    @property
    def tracking_uri(self) -> str: ...

    def register(self, request: RegistrationRequest) -> ModelRegistryEntry: ...

    def get_version(self, name: str, version: str) -> ModelRegistryEntry: ...

    def search_versions(
        self, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> list[ModelRegistryEntry]:
        """Versions whose name is ``name`` and whose tags hold ``tags``, oldest first."""
        ...

    def latest_version(self, name: str) -> ModelRegistryEntry | None:
        """The highest-numbered version of ``name``, None when it has none."""
        ...

    def get_by_alias(self, name: str, alias: str) -> ModelRegistryEntry | None: ...

    def set_alias(self, name: str, alias: str, version: str) -> None: ...

    def set_tags(self, name: str, version: str, tags: Mapping[str, str]) -> None:
        """Set (add or overwrite) tags on an existing version."""
        ...

    def delete_version(self, name: str, version: str) -> None: ...

    def download(self, name: str, version: str, dst: Path) -> Path:
        """Download the version's model files into ``dst``; returns the model directory."""
        ...

    def last_probe(self) -> ProbeResult | None: ...
