"""``hokusai.credential_store``, kept for code that imports it.

The code lives in :mod:`hokusai.config.credential_store`.
"""

from hokusai.config.credential_store import *  # noqa: F403
from hokusai.config.credential_store import __all__ as __all__
