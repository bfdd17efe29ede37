"""The earlier SDK's ``ModelVersionManager``: semantic versions of a model type, on the registry.

A model's own version (``X.Y.Z``, a ``HokusaiModel``'s ``.version``) is kept on its registry
version as the ``version`` tag and read back as ``entry.model_version``; the registry's own
number is ``entry.version``. The manager works on whatever registry it is given (hosted, local
or mock), through that registry's methods only.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from hokusai.errors import RegistryException
from hokusai.models import TAG_MODEL_VERSION

if TYPE_CHECKING:
    from collections.abc import Mapping

    from hokusai.models import ModelRegistryEntry
    from hokusai.registry import ModelRegistry

logger = logging.getLogger(__name__)

Level = Literal["major", "minor", "patch"]
# Metrics where a higher value is better: a rise in one makes a version an improvement.
IMPROVEMENT_METRICS = ("accuracy", "precision", "recall", "f1_score", "auc")


class VersioningException(RegistryException, ValueError):
    """A version string is not ``X.Y.Z``, or the arguments name no single version."""


class VersionNotFoundError(VersioningException, LookupError):
    """No registered version of the model type carries the requested ``X.Y.Z``."""


class Version:
    """A semantic version ``X.Y.Z``; compares and increments."""

    VERSION_PATTERN = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")

    def __init__(self, version_string: str) -> None:
        match = self.VERSION_PATTERN.match(str(version_string))
        if not match:
            raise VersioningException(
                f"Invalid version format: {version_string}. Expected format: X.Y.Z",
                hint="Use three dot-separated numbers, e.g. '1.2.0'.",
            )
        self.major, self.minor, self.patch = (int(part) for part in match.groups())

    def _key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def __repr__(self) -> str:
        return f"Version({self})"

    def __hash__(self) -> int:
        return hash(self._key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            raise TypeError(f"Cannot compare Version with {type(other)}")
        return self._key() < other._key()

    def __le__(self, other: Version) -> bool:
        return self < other or self == other

    def __gt__(self, other: Version) -> bool:
        return not self <= other

    def __ge__(self, other: Version) -> bool:
        return not self < other

    def increment(self, level: Level) -> Version:
        if level == "major":
            return Version(f"{self.major + 1}.0.0")
        if level == "minor":
            return Version(f"{self.major}.{self.minor + 1}.0")
        if level == "patch":
            return Version(f"{self.major}.{self.minor}.{self.patch + 1}")
        raise VersioningException(f"Invalid increment level: {level}")


@dataclass
class VersionComparisonResult:
    """Metric differences from ``version1`` to ``version2`` (positive: ``version2`` is higher)."""

    version1: str
    version2: str
    metrics_delta: dict[str, float]
    is_improvement: bool
    comparison_timestamp: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def _semver(entry: ModelRegistryEntry) -> Version | None:
    try:
        return Version(entry.model_version) if entry.model_version else None
    except VersioningException:
        return None


class ModelVersionManager:
    """Register, list, compare, roll back and deprecate ``X.Y.Z`` versions of a model type.

    ``registry`` is a ``hokusai.ModelRegistry`` (``ModelVersionManager(ModelRegistry())``).
    Registry versions without an ``X.Y.Z`` model version (registered by other means) are left
    out of histories and comparisons.
    """

    def __init__(self, registry: ModelRegistry) -> None:
        self.registry = registry

    def register_version(
        self,
        model: Any,
        model_type: str,
        version: str | None = None,
        auto_increment: Level | None = None,
        metadata: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
    ) -> ModelRegistryEntry:
        """Register ``model`` as a baseline of ``model_type`` with version ``version``, or the
        latest version incremented at ``auto_increment`` (``1.0.0`` for the first).
        ``metrics`` (new; the platform's guide passes them) become the version's metrics.

        The version is set on the model (``model.version``), as it always was, when the model
        takes attributes; any model the registry accepts (a directory, a URI) can be versioned.
        """
        if version and auto_increment:
            raise VersioningException("Cannot specify both explicit version and auto_increment")
        if auto_increment:
            latest = self._latest(model_type)
            version = str(latest.increment(auto_increment)) if latest else "1.0.0"
        elif not version:
            raise VersioningException("Must specify either version or auto_increment")
        own = str(Version(version))
        # A model directory or URI takes no attribute: the tag below carries the version.
        with suppress(AttributeError, TypeError):
            model.version = own
        return self.registry.register_baseline(
            model,
            model_type=model_type,
            metadata=metadata,
            tags={TAG_MODEL_VERSION: own},
            metrics=metrics,
        )

    def get_version_history(self, model_type: str) -> list[ModelRegistryEntry]:
        """The type's versions, lowest ``X.Y.Z`` first."""
        versioned = [
            (v, e) for e in self.registry.list_models_by_type(model_type) if (v := _semver(e))
        ]
        return [entry for _, entry in sorted(versioned, key=lambda pair: pair[0])]

    def _find(self, model_type: str, version: str) -> ModelRegistryEntry:
        wanted = Version(version)
        for entry in self.registry.list_models_by_type(model_type):
            if _semver(entry) == wanted:
                return entry
        raise VersionNotFoundError(
            f"Version {version} not found for model type {model_type}",
            hint="get_version_history(model_type) lists the registered versions.",
        )

    def rollback_to_version(self, model_type: str, target_version: str) -> bool:
        """Point the type's ``production`` alias at ``target_version``."""
        target = self._find(model_type, target_version)
        return self.registry.rollback_model(model_type, str(target.model_id))

    def compare_versions(
        self, model_type: str, version1: str, version2: str
    ) -> VersionComparisonResult:
        first = self._find(model_type, version1)
        second = self._find(model_type, version2)
        delta = {
            metric: second.metrics.get(metric, 0.0) - first.metrics.get(metric, 0.0)
            for metric in sorted(set(first.metrics) | set(second.metrics))
        }
        improved = any(delta.get(metric, 0.0) > 0 for metric in IMPROVEMENT_METRICS)
        return VersionComparisonResult(version1, version2, delta, improved)

    def get_latest_stable_version(self, model_type: str) -> ModelRegistryEntry | None:
        """The highest version tagged ``stable=true``, or None."""
        stable = [e for e in self.get_version_history(model_type) if e.tags.get("stable") == "true"]
        return stable[-1] if stable else None

    def deprecate_version(self, model_type: str, version: str) -> bool:
        """Tag the version ``deprecated=true`` (and when); False when there is no such version.

        A failure to write the tags raises (the earlier SDK returned False for it too, which
        hid rejected keys and outages).
        """
        try:
            target = self._find(model_type, version)
        except VersionNotFoundError:
            return False
        now = datetime.now(timezone.utc).isoformat()
        self.registry.update_model_tags(
            model_type, str(target.version), {"deprecated": "true", "deprecated_at": now}
        )
        return True

    def get_previous_version(
        self, model_type: str, current_version: str
    ) -> ModelRegistryEntry | None:
        """The highest version below ``current_version``, or None."""
        current = Version(current_version)
        earlier = [
            e for e in self.get_version_history(model_type) if (_semver(e) or current) < current
        ]
        return earlier[-1] if earlier else None

    def _latest(self, model_type: str) -> Version | None:
        history = self.get_version_history(model_type)
        return _semver(history[-1]) if history else None


__all__ = [
    "ModelVersionManager",
    "Version",
    "VersionComparisonResult",
    "VersionNotFoundError",
    "VersioningException",
]
