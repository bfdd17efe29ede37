"""Experiments and improvement tracking (the earlier SDK's ``hokusai.tracking``).

``from hokusai.tracking import ExperimentManager, PerformanceTracker``: both record runs on a
``ModelRegistry``'s registry through its own client (see docs/tracking.md). Loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hokusai.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.tracking.experiments import ExperimentManager
    from hokusai.tracking.performance import PerformanceTracker
    from hokusai.tracking.runs import ExperimentRun

__getattr__ = lazy_attributes(
    __name__,
    {
        "ExperimentManager": "hokusai.tracking.experiments",
        "PerformanceTracker": "hokusai.tracking.performance",
        "ExperimentRun": "hokusai.tracking.runs",
    },
)

__all__ = ["ExperimentManager", "ExperimentRun", "PerformanceTracker"]
