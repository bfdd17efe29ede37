"""Turn what the user passes as ``model`` into MLflow model files, before any network call."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hokusai.errors import InvalidInputError
from hokusai.models import ModelSource

URI_SCHEMES = ("runs:/", "models:/")


def _is_sklearn(model: object) -> bool:
    return type(model).__module__.split(".")[0] == "sklearn" and hasattr(model, "fit")


def _is_python_model(model: object) -> bool:
    from mlflow.pyfunc.model import PythonModel

    return isinstance(model, PythonModel)


def _mlflow_dir(path: Path) -> Path:
    if not (path / "MLmodel").is_file():
        raise InvalidInputError(
            f"{path} is not an MLflow model directory (it has no MLmodel file).",
            hint="Save the model with mlflow.<flavor>.save_model(model, path) first.",
        )
    return path


@contextmanager
def staged(model: object) -> Iterator[ModelSource]:
    """Yield the model as files on disk (or a URI), removing any files made for it afterwards."""
    if isinstance(model, str) and model.startswith(URI_SCHEMES):
        yield ModelSource(uri=model)
        return
    if isinstance(model, str | Path):
        path = Path(model).expanduser()
        if not path.exists():
            raise InvalidInputError(
                f"{model!r} is neither a model URI (runs:/..., models:/...) nor an existing path."
            )
        yield ModelSource(local_dir=_mlflow_dir(path.resolve()))
        return
    with tempfile.TemporaryDirectory(prefix="hokusai-model-") as tmp:
        target = Path(tmp) / "model"
        yield _save(model, target)


def _save(model: object, target: Path) -> ModelSource:
    try:
        if _is_sklearn(model):
            import mlflow.sklearn

            # MLflow would infer requirements by re-importing the model in a subprocess (about 4 s);
            # a scikit-learn model needs exactly the flavor's pinned scikit-learn.
            mlflow.sklearn.save_model(
                model,
                str(target),
                pip_requirements=mlflow.sklearn.get_default_pip_requirements(),
            )
            return ModelSource(local_dir=target, flavor="sklearn")
        if _is_python_model(model):
            import mlflow.pyfunc

            mlflow.pyfunc.save_model(str(target), python_model=model)
            return ModelSource(local_dir=target, flavor="pyfunc")
    except InvalidInputError:
        raise
    except Exception as exc:
        raise InvalidInputError(
            f"Could not save the {type(model).__name__} model as MLflow files: {exc}"
        ) from exc
    raise InvalidInputError(
        f"Cannot register a {type(model).__module__}.{type(model).__name__}. Pass a scikit-learn "
        "estimator, an mlflow.pyfunc.PythonModel, an MLflow model directory, or a runs:/ or "
        "models:/ URI."
    )
