"""A pyfunc model made of one large file that it never reads: transfer is all there is to time.

Its class lives in a module of its own so that the pickled model refers to it by name and
loads in any process that can import ``benchmarks``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from mlflow.pyfunc.model import PythonModel

PIECE = 8 * 1024 * 1024


class Blob(PythonModel):  # type: ignore[misc]
    # No type hints: MLflow would try to make a signature of them, and warn that it cannot.
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return model_input


def write_blob(path: Path, megabytes: int) -> None:
    """Random bytes (incompressible, so no transport shortcut), written piecewise."""
    with path.open("wb") as out:
        for _ in range(megabytes * 1024 * 1024 // PIECE):
            out.write(os.urandom(PIECE))
        out.write(os.urandom(megabytes * 1024 * 1024 % PIECE))


def save_blob_model(directory: Path, megabytes: int) -> Path:
    """An MLflow model directory of about ``megabytes`` MB, with no requirements to install."""
    import mlflow.pyfunc

    directory.mkdir(parents=True, exist_ok=True)
    blob = directory / "blob.bin"
    write_blob(blob, megabytes)
    model = directory / "model"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "a Python object is pickled": ours, on purpose
        mlflow.pyfunc.save_model(
            str(model), python_model=Blob(), artifacts={"blob": str(blob)}, pip_requirements=[]
        )
    blob.unlink()  # the model directory holds its own copy
    return model
