"""Standard-library names that arrived after Python 3.10, the oldest Python MLflow supports."""

from __future__ import annotations

import sys
from enum import Enum

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - exercised by the Python 3.10 CI session

    class StrEnum(str, Enum):
        """``enum.StrEnum`` before 3.11: members print and format as their value."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


__all__ = ["StrEnum"]
