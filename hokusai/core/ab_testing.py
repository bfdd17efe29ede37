"""``hokusai.core.ab_testing``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.ab_testing`.
"""

from hokusai.earlier.ab_testing import *  # noqa: F403
from hokusai.earlier.ab_testing import __all__ as __all__
