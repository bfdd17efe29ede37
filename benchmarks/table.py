"""The suite's one table: samples, goals, PASS/MISS, and the text layout. No timing here.

Kept free of MLflow, the server and the clock so that the unit tests can check the arithmetic
and the verdicts on made-up samples.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class Sample:
    """Seconds of repeated runs of one side of a row. ``at_least``: runs were cut at a cap."""

    seconds: tuple[float, ...]
    at_least: bool = False

    def __post_init__(self) -> None:
        if not self.seconds:
            raise ValueError("a sample needs at least one run")

    @property
    def median(self) -> float:
        return float(statistics.median(self.seconds))

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    def shown(self) -> str:
        prefix = ">=" if self.at_least else ""
        if len(self.seconds) == 1:
            return f"{prefix}{seconds_text(self.median)} (n=1)"
        return (
            f"{prefix}{seconds_text(self.median)} "
            f"[{seconds_text(self.low)}-{seconds_text(self.high)}] n={len(self.seconds)}"
        )


def seconds_text(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.2f}ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.2f}s"


class Kind(Enum):
    # SDK median / raw median must be at most the limit.
    RATIO_AT_MOST = "ratio"
    # raw median / SDK median (the SDK's throughput relative to raw) must be at least the limit.
    THROUGHPUT_AT_LEAST = "throughput"
    # The SDK's median, in seconds, must be at most the limit; raw is context only.
    SECONDS_AT_MOST = "seconds"
    # Only the row's checks decide (request counts, imports, memory).
    CHECKS_ONLY = "checks"


@dataclass(frozen=True)
class Goal:
    text: str
    kind: Kind
    limit: float = 0.0

    def met(self, sdk: Sample, raw: Sample | None) -> bool:
        if self.kind is Kind.SECONDS_AT_MOST:
            return sdk.median <= self.limit
        if self.kind is Kind.CHECKS_ONLY:
            return True
        if raw is None:
            return False
        if self.kind is Kind.RATIO_AT_MOST:
            return ratio(sdk, raw) <= self.limit
        return throughput(sdk, raw) >= self.limit


def ratio(sdk: Sample, raw: Sample) -> float:
    """The SDK's median time over raw's; below 1 the SDK is faster."""
    return sdk.median / raw.median if raw.median > 0 else float("inf")


def throughput(sdk: Sample, raw: Sample) -> float:
    """The SDK's throughput relative to raw's on the same work: raw's median over the SDK's."""
    return raw.median / sdk.median if sdk.median > 0 else float("inf")


@dataclass(frozen=True)
class Check:
    """A condition beside the timing (zero cross-key requests, MLflow not imported, ...)."""

    text: str
    ok: bool


@dataclass
class Row:
    job: str
    goal: Goal
    sdk: Sample
    raw: Sample | None = None
    compared_with: str = "raw MLflow"
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.goal.met(self.sdk, self.raw) and all(check.ok for check in self.checks)

    @property
    def ratio_text(self) -> str:
        if self.raw is None:
            return "-"
        if self.goal.kind is Kind.THROUGHPUT_AT_LEAST:
            return f"{throughput(self.sdk, self.raw):.2f}x thr"
        value = ratio(self.sdk, self.raw)
        # A raw side cut at a cap took at least that long: the SDK's ratio is at most this.
        shown = f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"
        return f"{'<=' if self.raw.at_least else ''}{shown}"


@dataclass(frozen=True)
class Failed:
    """A row whose measurement raised: shown as MISS with the reason, the suite goes on."""

    job: str
    goal: Goal
    reason: str


HEADER = ("job", "SDK median [min-max]", "compared with: median [min-max]", "ratio", "goal", "")


def render(rows: Sequence[Row | Failed]) -> str:
    """The table as GitHub markdown, then each row's checks and notes below it."""
    lines = [_line(HEADER), _line(tuple("---" for _ in HEADER))]
    details: list[str] = []
    for row in rows:
        if isinstance(row, Failed):
            lines.append(_line((row.job, "failed", "-", "-", row.goal.text, "MISS")))
            details.append(f"- {row.job}: failed: {row.reason}")
            continue
        raw = f"{row.compared_with}: {row.raw.shown()}" if row.raw else row.compared_with
        verdict = "PASS" if row.passed else "MISS"
        lines.append(_line((row.job, row.sdk.shown(), raw, row.ratio_text, row.goal.text, verdict)))
        for check in row.checks:
            details.append(f"- {row.job}: {'ok' if check.ok else 'FAILS'}: {check.text}")
        details.extend(f"- {row.job}: {note}" for note in row.notes)
    return "\n".join([*lines, "", *details])


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


def interleave(count: int, *sides: str) -> list[str]:
    """The order runs are taken in: SDK, raw, raw, SDK, SDK, raw, ... so drift hits both
    sides alike, and so does whatever a run leaves behind for the next one (a 1 GB upload
    leaves a gigabyte of dirty pages that the run after it pays to write out: with SDK always
    first, the 1 GB row measured raw 25% faster; with raw first, the SDK 5% faster)."""
    return [side for n in range(count) for side in (sides if n % 2 == 0 else sides[::-1])]
