"""``hokusai.tracking.experiments``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.experiments`.
"""

from hokusai.earlier.experiments import *  # noqa: F403
from hokusai.earlier.experiments import __all__ as __all__
