"""The earlier SDK's ``hokusai.tracking``, kept for code that imports it.
May import: the modules it points at.

Experiments and improvement tracking (the earlier SDK's ``hokusai.tracking``).

``from hokusai.tracking import ExperimentManager, PerformanceTracker``: both record runs on a
``ModelRegistry``'s registry through its own client (see docs/tracking.md). Loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hokusai.support.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.earlier.experiments import ExperimentManager
    from hokusai.earlier.performance import PerformanceTracker
    from hokusai.earlier.runs import ExperimentRun

__getattr__ = lazy_attributes(
    __name__,
    {
        "ExperimentManager": "hokusai.earlier.experiments",
        "PerformanceTracker": "hokusai.earlier.performance",
        "ExperimentRun": "hokusai.earlier.runs",
    },
)

__all__ = ["ExperimentManager", "ExperimentRun", "PerformanceTracker"]
