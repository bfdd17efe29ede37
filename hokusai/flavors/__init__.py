"""Every kind of model ``register_model`` takes, saved as real MLflow model files.
May import: ``hokusai.platform`` and the layers below it.

``staged(model)`` is the one entry point: model objects are dispatched by their class names
(``dispatch``) to a row of the flavor table (``table``), saved with requirements pinned from the
installed packages (``requirements``); MLflow model directories are checked for an MLmodel file;
``runs:/`` and ``models:/`` URIs are checked for shape here (``uris``) and for existence by the
backend, before anything is written.
"""

from hokusai.flavors.dispatch import accepted, flavor_of
from hokusai.flavors.staging import staged
from hokusai.flavors.table import FLAVORS, Flavor

__all__ = ["FLAVORS", "Flavor", "accepted", "flavor_of", "staged"]
