"""The platform's model abstraction: ``HokusaiModel`` and the types it is built for.

User code subclasses ``HokusaiModel`` and implements ``predict``, ``save`` and ``load``. Such a
model registers as a real MLflow model: its files are written by its own ``save(path)`` and,
after ``load_model``, read back by ``load(path)`` inside a pyfunc wrapper (``hokusai.flavors``).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

from hokusai.errors import InvalidInputError


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


STATE_FILE = "hokusai_model.json"


class _StatefulModel(HokusaiModel):
    """A factory model whose whole state is its fields: ``save`` writes them, ``load`` reads them.

    The platform's earlier factory models saved nothing, so a registered one could not be loaded
    back; these write ``hokusai_model.json`` into the directory and restore every field from it.
    """

    #: The settings the factory reads from ``config`` for this type, with their defaults.
    settings: ClassVar[dict[str, Any]] = {}

    def state(self) -> dict[str, Any]:
        return {**self.to_dict(), **{key: getattr(self, key) for key in self.settings}}

    def save(self, path: str) -> None:
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / STATE_FILE).write_text(json.dumps(self.state(), indent=2, sort_keys=True))

    def load(self, path: str) -> None:
        state = json.loads((Path(path) / STATE_FILE).read_text())
        self.model_id = state["model_id"]
        self.model_type = _model_type(state["model_type"])
        self.version = state["version"]
        self.metadata = dict(state.get("metadata") or {})
        self.metrics = dict(state.get("metrics") or {})
        if state.get("created_at"):
            self.created_at = datetime.fromisoformat(state["created_at"])
        for key, default in self.settings.items():
            setattr(self, key, state.get(key, default))


class ClassificationModel(_StatefulModel):
    """The factory's classification model: ``n_classes`` outputs, a uniform placeholder answer."""

    settings: ClassVar[dict[str, Any]] = {"n_classes": 2}

    def __init__(self, n_classes: int = 2, **kwargs: Any) -> None:
        kwargs.pop("model_type", None)  # always classification; loaders pass it back in
        super().__init__(model_type=ModelType.CLASSIFICATION, **kwargs)
        self.n_classes = n_classes

    def predict(self, data: Any) -> dict[str, Any]:
        return {
            "prediction": 0,
            "probabilities": [0.5] * self.n_classes,
            "model_type": ModelType.CLASSIFICATION.value,
        }


class RegressionModel(_StatefulModel):
    """The factory's regression model: ``output_dim`` outputs, a placeholder answer."""

    settings: ClassVar[dict[str, Any]] = {"output_dim": 1}

    def __init__(self, output_dim: int = 1, **kwargs: Any) -> None:
        kwargs.pop("model_type", None)
        super().__init__(model_type=ModelType.REGRESSION, **kwargs)
        self.output_dim = output_dim

    def predict(self, data: Any) -> dict[str, Any]:
        return {
            "prediction": 0.0,
            "confidence_interval": [0.0, 1.0],
            "model_type": ModelType.REGRESSION.value,
        }


class CustomModel(_StatefulModel):
    """The factory's custom model: names the class that implements it (``model_class``)."""

    settings: ClassVar[dict[str, Any]] = {"model_class": "CustomModel"}

    def __init__(self, model_class: str = "CustomModel", **kwargs: Any) -> None:
        kwargs.pop("model_type", None)
        super().__init__(model_type=ModelType.CUSTOM, **kwargs)
        self.model_class = model_class

    def predict(self, data: Any) -> dict[str, Any]:
        return {
            "prediction": "custom",
            "model_class": self.model_class,
            "model_type": ModelType.CUSTOM.value,
        }


_BUILT_IN: dict[str, type[_StatefulModel]] = {
    ModelType.CLASSIFICATION.value: ClassificationModel,
    ModelType.REGRESSION.value: RegressionModel,
    ModelType.CUSTOM.value: CustomModel,
}


def _model_type(value: ModelType | str) -> ModelType | str:
    text = value.value if isinstance(value, ModelType) else str(value)
    return ModelType(text) if text in _BUILT_IN else text


class ModelFactory:
    """Builds models by type: the three built-in types, plus classes registered for new types."""

    _model_classes: ClassVar[dict[str, type[HokusaiModel]]] = dict(_BUILT_IN)

    @classmethod
    def create_model(
        cls,
        model_type: ModelType | str,
        model_id: str,
        version: str,
        config: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> HokusaiModel:
        """A model of ``model_type``. For the built-in types ``config`` holds their settings
        (``n_classes``, ``output_dim``, ``model_class``); a registered class gets all of it."""
        settings = dict(config or {})
        key = model_type.value if isinstance(model_type, ModelType) else str(model_type)
        model_class = cls._model_classes.get(key)
        if model_class is None:
            known = ", ".join(sorted(cls._model_classes))
            raise InvalidInputError(
                f"Unknown model type: {model_type}. Known types: {known}; add one with "
                "ModelFactory.register_model_class(name, cls)."
            )
        if model_class is _BUILT_IN.get(key):
            built_in = _BUILT_IN[key]
            chosen = {name: settings.get(name, d) for name, d in built_in.settings.items()}
            return built_in(
                model_id=model_id, version=version, metadata=metadata, **chosen, **kwargs
            )
        return model_class(
            model_id=model_id,
            model_type=key,
            version=version,
            metadata=metadata,
            **settings,
            **kwargs,
        )

    @classmethod
    def register_model_class(cls, model_type: str, model_class: type[HokusaiModel]) -> None:
        """Make ``create_model(model_type, ...)`` build ``model_class``."""
        if not isinstance(model_class, type) or not issubclass(model_class, HokusaiModel):
            raise InvalidInputError("Model class must inherit from HokusaiModel")
        cls._model_classes[str(model_type)] = model_class

    @classmethod
    def from_dict(cls, model_dict: Mapping[str, Any]) -> HokusaiModel:
        """A model from ``HokusaiModel.to_dict()`` output (type, id, version, metadata, metrics)."""
        model_type = model_dict.get("model_type")
        model_id = model_dict.get("model_id")
        version = model_dict.get("version")
        if not (model_type and model_id and version):
            raise InvalidInputError("model_type, model_id, and version are required")
        return cls.create_model(
            model_type=model_type,
            model_id=model_id,
            version=version,
            metadata=model_dict.get("metadata") or {},
            metrics=model_dict.get("metrics") or {},
        )


__all__ = [
    "ClassificationModel",
    "CustomModel",
    "HokusaiModel",
    "ModelFactory",
    "ModelType",
    "RegressionModel",
]
