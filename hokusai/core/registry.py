"""The platform's ``hokusai.core.registry``: the same classes as ``hokusai``'s own.

``from hokusai.core.registry import ModelRegistry, ModelRegistryEntry, ModelLineage,
RegistryException`` keeps working; ``RegistryException`` is the base of every failure of a registry
call (bad input, the key's, the network's, the registry's and the local store's errors).
"""

from hokusai.errors import RegistryException
from hokusai.models import ModelLineage, ModelRegistryEntry
from hokusai.registry import ModelRegistry

__all__ = ["ModelLineage", "ModelRegistry", "ModelRegistryEntry", "RegistryException"]
