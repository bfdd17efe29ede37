"""Turn what the user passes as ``model`` into MLflow model files (or a URI), before any request."""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hokusai.errors import ConfigurationError, HokusaiError, InvalidInputError, LocalStoreError
from hokusai.flavors import uris
from hokusai.flavors.dispatch import flavor_of
from hokusai.flavors.requirements import requirements
from hokusai.flavors.table import Flavor
from hokusai.models import ModelSource


@contextmanager
def staged(
    model: object, *, signature: Any = None, input_example: Any = None
) -> Iterator[ModelSource]:
    """Yield the model as files on disk (or a URI), removing any files made for it afterwards.

    ``signature`` and ``input_example`` go into the saved model (MLflow infers the signature
    from the example when no signature is given); they apply only to model objects, whose files
    hokusai writes.
    """
    saved_already = uris.is_model_uri(model) or isinstance(model, str | Path)
    if saved_already and (signature is not None or input_example is not None):
        raise InvalidInputError(
            f"signature and input_example apply to a model object; {model!r} is already "
            "saved, with the signature in its MLmodel file.",
            hint="Pass the model object itself, or save it with the signature yourself.",
        )
    if uris.is_model_uri(model):
        assert isinstance(model, str)
        uris.parse(model)
        yield ModelSource(uri=model)
        return
    if isinstance(model, str | Path):
        yield ModelSource(local_dir=_mlflow_dir(model))
        return
    flavor = flavor_of(model)
    with tempfile.TemporaryDirectory(prefix="hokusai-model-") as tmp:
        target = Path(tmp) / "model"
        _save(flavor, model, target, signature=signature, input_example=input_example)
        yield ModelSource(local_dir=target, flavor=flavor.name)


def _mlflow_dir(given: str | Path) -> Path:
    path = Path(given).expanduser()
    if not path.exists():
        raise InvalidInputError(
            f"{str(given)!r} is neither a model URI (runs:/..., models:/...) nor an existing path."
        )
    if not (path / "MLmodel").is_file():
        raise InvalidInputError(
            f"{path} is not an MLflow model directory (it has no MLmodel file).",
            hint="Save the model with mlflow.<flavor>.save_model(model, path) first.",
        )
    return path.resolve()


def _save(
    flavor: Flavor, model: object, target: Path, *, signature: Any, input_example: Any
) -> None:
    options: dict[str, Any] = {
        "signature": signature,
        "input_example": input_example,
        # Known here; MLflow would otherwise re-import the model in a subprocess to infer them.
        "pip_requirements": requirements(model, flavor.distributions),
        **(dict(flavor.without_example) if input_example is None else {}),
    }
    try:
        save_model = importlib.import_module(flavor.mlflow_module).save_model
        if flavor.model_keyword:
            save_model(str(target), **{flavor.model_keyword: model}, **options)
        else:
            save_model(model, str(target), **options)
    except HokusaiError:
        raise
    except ModuleNotFoundError as exc:
        # This machine lacks a package the flavor saves with (scikit-learn's default format
        # needs skops): a set-up problem, not a bad model.
        package = (exc.name or str(exc)).split(".")[0]
        raise ConfigurationError(
            f"Saving the {type(model).__name__} model with MLflow's {flavor.name} flavor needs "
            f"the Python package {package!r}, which is not installed.",
            hint=f"pip install {package} (for scikit-learn models: "
            "pip install 'hokusai-ml-platform[sklearn]').",
        ) from exc
    except OSError as exc:
        # The disk, not the model: a full or read-only temporary directory.
        raise LocalStoreError(
            f"Could not write the {type(model).__name__} model's files to {target.parent}: {exc}",
            hint="Free some disk space there, or point TMPDIR at a writable directory with room.",
        ) from exc
    except Exception as exc:
        raise InvalidInputError(
            f"MLflow's {flavor.name} flavor could not save the {type(model).__name__} model: {exc}",
            hint="Check the model (and signature / input_example, if given) with "
            f"{flavor.mlflow_module}.save_model(model, path) directly.",
        ) from exc
