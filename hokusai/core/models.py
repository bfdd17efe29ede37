"""``hokusai.core.models``, kept for code that imports it.

The code lives in :mod:`hokusai.platform.hokusai_model`.
"""

from hokusai.platform.hokusai_model import *  # noqa: F403
from hokusai.platform.hokusai_model import __all__ as __all__
