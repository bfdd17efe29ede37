"""Turn what the user passes as ``model`` into MLflow model files (or a URI), before any request."""

from __future__ import annotations

import importlib
import inspect
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hokusai.errors import ConfigurationError, HokusaiError, InvalidInputError, LocalStoreError
from hokusai.flavors import skops_trust, uris
from hokusai.flavors.dispatch import flavor_of
from hokusai.flavors.requirements import requirements
from hokusai.flavors.table import Flavor
from hokusai.models import ModelSource


@contextmanager
def staged(
    model: object,
    *,
    signature: Any = None,
    input_example: Any = None,
    serialization_format: str | None = None,
) -> Iterator[ModelSource]:
    """Yield the model as files on disk (or a URI), removing any files made for it afterwards.

    ``signature`` and ``input_example`` go into the saved model (MLflow infers the signature
    from the example when no signature is given); ``serialization_format`` goes to the flavor's
    ``save_model`` (scikit-learn: ``"skops"``, ``"cloudpickle"``, ``"pickle"``). They apply only
    to model objects, whose files hokusai writes.
    """
    saved_already = uris.is_model_uri(model) or isinstance(model, str | Path)
    given = {
        "signature": signature,
        "input_example": input_example,
        "serialization_format": serialization_format,
    }
    if saved_already and any(value is not None for value in given.values()):
        named = [name for name, value in given.items() if value is not None]
        names = " and ".join(named)
        verb = "applies" if len(named) == 1 else "apply"
        raise InvalidInputError(
            f"{names} {verb} only to a model object; {model!r} is already saved, in the format "
            "and with the signature its MLmodel file records.",
            hint=f"Pass the model object itself, or leave out {names}.",
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
        _save(flavor, model, target, given)
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


def _save(flavor: Flavor, model: object, target: Path, given: dict[str, Any]) -> None:
    try:
        save_model = importlib.import_module(flavor.mlflow_module).save_model
        options = _options(flavor, model, save_model, given)
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
            hint="Check the model (and signature, input_example, serialization_format, if "
            f"given) with {flavor.mlflow_module}.save_model(model, path) directly.",
        ) from exc


def _options(
    flavor: Flavor, model: object, save_model: Any, given: dict[str, Any]
) -> dict[str, Any]:
    """The flavor's ``save_model`` keyword arguments for this model."""
    chosen = given["serialization_format"]
    named = inspect.signature(save_model).parameters
    if chosen is not None and "serialization_format" not in named:
        raise InvalidInputError(
            f"serialization_format={chosen!r}: MLflow's {flavor.name} flavor saves a "
            f"{type(model).__name__} in one format only.",
            hint="Leave serialization_format out for this model.",
        )
    options: dict[str, Any] = {
        "signature": given["signature"],
        "input_example": given["input_example"],
        # Known here; MLflow would otherwise re-import the model in a subprocess to infer them.
        "pip_requirements": requirements(model, flavor.distributions),
        # Only options the installed release names: an older save_model may pass unknown
        # keywords on to the framework (3.9's pytorch flavor to torch.save, which refuses them).
        **(
            {k: v for k, v in flavor.without_example if k in named}
            if given["input_example"] is None
            else {}
        ),
        **({"serialization_format": chosen} if chosen is not None else {}),
    }
    if flavor.skops_trusted_packages:
        options.update(
            skops_trust.save_options(model, save_model, chosen, flavor.skops_trusted_packages)
        )
    return options
