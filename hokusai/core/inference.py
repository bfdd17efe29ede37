"""``hokusai.core.inference``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.inference`.
"""

from hokusai.earlier.inference import *  # noqa: F403
from hokusai.earlier.inference import __all__ as __all__
