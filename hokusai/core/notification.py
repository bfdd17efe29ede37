"""``hokusai.core.notification``, kept for code that imports it.

The code lives in :mod:`hokusai.earlier.notification`.
"""

from hokusai.earlier.notification import *  # noqa: F403
from hokusai.earlier.notification import __all__ as __all__
