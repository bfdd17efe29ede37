"""``hokusai.notices``, kept for code that imports it.

The code lives in :mod:`hokusai.support.notices`.
"""

from hokusai.support.notices import *  # noqa: F403
from hokusai.support.notices import __all__ as __all__
