"""What ``doctor`` reports: one :class:`Check` per step, and the :class:`DoctorReport` verdict.

Each check carries its latency and, on failure, the typed error the SDK itself would raise, so
the CLI, ``--json`` and the exit code all read the same report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hokusai.errors import HokusaiError, error_dict, mask_keys

Verdict = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    """One check's outcome. ``error`` is set on ``fail`` (and on some ``warn``)."""

    name: str
    verdict: Verdict
    detail: str
    latency_ms: float | None = None
    error: HokusaiError | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        # A detail may quote a URL (the health endpoint's, a library's message): shown masked.
        object.__setattr__(self, "detail", mask_keys(self.detail))

    @classmethod
    def failure(
        cls,
        name: str,
        error: HokusaiError,
        latency_ms: float | None = None,
        *,
        hint: str | None = None,
    ) -> Check:
        """A ``fail`` that reads as the error the SDK would raise: its message is the detail."""
        return cls(name, "fail", error.message, latency_ms, error, hint)

    @property
    def next_step(self) -> str | None:
        return self.hint or (self.error.hint if self.error is not None else None) or None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "detail": self.detail,
            "latency_ms": self.latency_ms,
            "error": error_dict(self.error),
            "next_step": self.next_step,
        }


@dataclass(frozen=True)
class DoctorReport:
    remote_uri: str | None
    mode: str | None
    uses_remote: bool
    settings: tuple[tuple[str, str, str], ...] = ()
    conflicts: tuple[Check, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def blocker(self) -> Check | None:
        """The first failure: what stops a registration from reaching the remote."""
        return next((c for c in (*self.conflicts, *self.checks) if c.verdict == "fail"), None)

    @property
    def reaches_remote(self) -> bool:
        return self.uses_remote and self.blocker is None

    @property
    def next_step(self) -> str:
        blocker = self.blocker
        if blocker is not None:
            return blocker.next_step or (
                f"Fix '{blocker.name}' above; `hokusai --debug doctor` shows the details."
            )
        warning = next(
            (c for c in (*self.conflicts, *self.checks) if c.verdict == "warn" and c.next_step),
            None,
        )
        if warning is not None and warning.next_step:
            return warning.next_step
        return "Register a model: hokusai register ./model-dir --name my-model"

    def as_dict(self) -> dict[str, Any]:
        return {
            "reaches_remote": self.reaches_remote,
            "remote_uri": self.remote_uri,
            "mode": self.mode,
            "settings": [{"name": n, "value": v, "source": s} for n, v, s in self.settings],
            "conflicts": [c.as_dict() for c in self.conflicts],
            "checks": [c.as_dict() for c in self.checks],
            "blocker": self.blocker.name if self.blocker else None,
            "next_step": self.next_step,
        }
