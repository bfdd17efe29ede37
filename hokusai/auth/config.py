"""``hokusai.auth.config``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.profiles`.
"""

from hokusai.earlier.profiles import *  # noqa: F403
from hokusai.earlier.profiles import __all__ as __all__
