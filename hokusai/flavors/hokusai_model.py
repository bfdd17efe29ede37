"""``HokusaiModel`` subclasses as MLflow pyfunc models: their own ``save``/``load``, in a wrapper.

``save_model`` calls the model's ``save(path)`` into an artifact directory and saves a
``HokusaiPythonModel`` that holds the user's class (not an instance). After
``ModelRegistry.load_model``, MLflow calls ``load_context``: the class is instantiated and its
``load(path)`` reads the artifact directory back, so ``predict`` answers as the original did.

How the class is found where the model is loaded (MLflow pickles the wrapper with cloudpickle):

- defined in ``__main__`` (a script, a notebook) or inside a function: pickled by value, so it
  loads anywhere its own imports work;
- defined in a single-file top-level module that is not an installed package (``models.py``
  beside the training script): that file is saved with the model (``code_paths``) and put on
  ``sys.path`` when it is loaded;
- defined in a package (``myproject.models``): pickled by reference, so that package must be
  importable where the model is loaded (installed, or on ``PYTHONPATH``).
"""

from __future__ import annotations

import inspect
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from mlflow.pyfunc import save_model as save_pyfunc_model
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from hokusai.platform.hokusai_model import HokusaiModel

ARTIFACT_KEY = "hokusai_model"
_FIELDS = ("model_id", "model_type", "version", "metadata", "metrics")


class HokusaiPythonModel(PythonModel):
    """Loads a ``HokusaiModel`` subclass through its own ``load(path)`` and predicts with it."""

    def __init__(self, model_class: type[HokusaiModel], fields: dict[str, Any]) -> None:
        self.model_class = model_class
        self.fields = fields
        self.model: HokusaiModel | None = None

    def __getstate__(self) -> dict[str, Any]:
        # The state lives in the artifact directory, written by the model's own save().
        return {**self.__dict__, "model": None}

    def load_context(self, context: PythonModelContext) -> None:
        model = _instantiate(self.model_class, self.fields)
        model.load(context.artifacts[ARTIFACT_KEY])
        self.model = model

    # Unannotated, and MLflow's hint-based validation off: it would read type hints as an input
    # schema and convert what the user's model receives (and warns, for every save, without).
    _skip_type_hint_validation = True

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        if self.model is None:
            self.load_context(context)
        assert self.model is not None
        return self.model.predict(model_input)


def _instantiate(cls: type[HokusaiModel], fields: dict[str, Any]) -> HokusaiModel:
    """The class called with the base fields its ``__init__`` takes; if it needs others, an
    instance made without ``__init__`` (``load`` is then what sets the model up)."""
    parameters = inspect.signature(cls).parameters.values()
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters)
    accepted = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    required = {
        p.name
        for p in parameters
        if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    given = {k: v for k, v in fields.items() if takes_any or k in accepted}
    if required <= given.keys() and not any(p.kind is p.POSITIONAL_ONLY for p in parameters):
        model = cls(**given)
    else:
        model = cls.__new__(cls)
        HokusaiModel.__init__(model, **fields)
    for name, value in fields.items():
        setattr(model, name, value)
    return model


def _fields(model: HokusaiModel) -> dict[str, Any]:
    return {name: getattr(model, name, None) for name in _FIELDS}


def code_paths_for(cls: type) -> list[str]:
    """The class's module file when it is a top-level module outside any installed location."""
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if "." in cls.__module__ or cls.__module__ == "__main__" or not file:
        return []
    path = Path(file).resolve()
    installed = {sysconfig.get_paths()[k] for k in ("purelib", "platlib", "stdlib", "platstdlib")}
    if any(path.is_relative_to(Path(root).resolve()) for root in installed):
        return []
    return [str(path)]


def save_model(
    model: HokusaiModel,
    path: str,
    *,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: list[str] | None = None,
) -> None:
    """Save ``model`` as an MLflow pyfunc model at ``path`` (the flavor table's entry point)."""
    with tempfile.TemporaryDirectory(prefix="hokusai-model-state-") as tmp:
        state = Path(tmp) / "state"
        state.mkdir()
        model.save(str(state))
        save_pyfunc_model(
            path,
            python_model=HokusaiPythonModel(type(model), _fields(model)),
            artifacts={ARTIFACT_KEY: str(state)},
            code_paths=code_paths_for(type(model)) or None,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
        )
