"""``hokusai.auth.client``, kept for code that imports it.

The code lives in :mod:`hokusai.config.hokusai_auth`.
"""

from hokusai.config.hokusai_auth import *  # noqa: F403
from hokusai.config.hokusai_auth import __all__ as __all__
