"""The platform's model abstraction: ``HokusaiModel`` and the types it is built for.

User code subclasses ``HokusaiModel`` and implements ``predict``, ``save`` and ``load``. Such a
model registers as a real MLflow model: its files are written by its own ``save(path)`` and,
after ``load_model``, read back by ``load(path)`` inside a pyfunc wrapper (``hokusai.flavors``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timezone
from enum import Enum
from typing import Any


class ModelType(str, Enum):
    """The model types the platform's factory knows."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    CUSTOM = "custom"


class HokusaiModel(ABC):
    """A model with an id, a type and a version of its own, that saves and loads itself.

    ``model_id``, ``version`` and ``get_metrics()`` become the registry entry's fields when the
    model is registered. Extra keyword arguments become attributes, as they always did.
    """

    def __init__(
        self,
        model_id: str,
        model_type: ModelType | str,
        version: str,
        metadata: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> None:
        self.model_id = model_id
        self.model_type = model_type
        self.version = version
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.metrics: dict[str, float] = dict(metrics or {})
        self.created_at = datetime.now(timezone.utc)
        for name, value in kwargs.items():
            setattr(self, name, value)

    @abstractmethod
    def predict(self, data: Any) -> Any:
        """Predict for ``data``."""

    @abstractmethod
    def load(self, path: str) -> None:
        """Read the model's state from the directory ``path`` (written by ``save``)."""

    @abstractmethod
    def save(self, path: str) -> None:
        """Write the model's state into the directory ``path``."""

    def get_metrics(self) -> dict[str, float]:
        return dict(self.metrics)

    def batch_predict(self, data_list: list[Any]) -> list[Any]:
        return [self.predict(data) for data in data_list]

    @property
    def model_type_name(self) -> str:
        """``model_type`` as the plain string the registry stores."""
        kind = self.model_type
        return kind.value if isinstance(kind, ModelType) else str(kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "model_type": self.model_type_name,
            "version": self.version,
            "metadata": self.metadata,
            "metrics": self.metrics,
            "created_at": self.created_at.isoformat(),
        }


__all__ = ["HokusaiModel", "ModelType"]
