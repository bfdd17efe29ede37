"""``hokusai.tracking.performance``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.performance`.
"""

from hokusai.earlier.performance import *  # noqa: F403
from hokusai.earlier.performance import __all__ as __all__
