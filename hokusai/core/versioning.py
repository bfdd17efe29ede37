"""``hokusai.core.versioning``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.versioning`.
"""

from hokusai.earlier.versioning import *  # noqa: F403
from hokusai.earlier.versioning import __all__ as __all__
