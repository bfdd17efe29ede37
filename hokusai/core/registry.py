"""Compatibility module: ``from hokusai.core.registry import ModelRegistry`` keeps working."""

from hokusai.errors import RegistryException
from hokusai.models import ModelLineage, ModelRegistryEntry
from hokusai.registry import ModelRegistry

__all__ = ["ModelLineage", "ModelRegistry", "ModelRegistryEntry", "RegistryException"]
