"""The checks behind ``hokusai doctor``, from the configuration to a write on the registry.
May import: ``hokusai.container`` and the layers below it.

Would a registration reach the hosted registry, and if not, why? The checks behind ``doctor``.

The checks run in the order a registration meets its obstacles: the configuration, settings
that fight it, name resolution, TCP, TLS, the proxy's health endpoint, the key on a read, the
key on a write. Each returns a verdict with its latency and, on failure, the typed error the
SDK itself would raise, so the CLI, ``--json`` and the exit code all read the same report.

- :mod:`~hokusai.doctor.report`: the result types (:class:`Check`, :class:`DoctorReport`).
- :mod:`~hokusai.doctor.network`: the network primitives; tests pass their own ``Network``
  (the fake registry has no real host to resolve or connect to).
- :mod:`~hokusai.doctor.configuration`: the configuration as a registry resolves it, and the mode.
- :mod:`~hokusai.doctor.conflicts`: settings that fight the configuration.
- :mod:`~hokusai.doctor.connection`: DNS, TCP, TLS, health, and the key on a read and a write.
- :mod:`~hokusai.doctor.diagnosis`: :func:`diagnose`, which runs them all into one report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hokusai.support.lazy import lazy_attributes

if TYPE_CHECKING:
    from hokusai.doctor.connection import (
        HEALTH_PATH,
        MLFLOW_MOUNT,
        WRITE_CHECK_PATH,
        WRITE_SCOPE_LATER,
        SessionFactory,
        health_url,
        no_key_error,
        registry_read_check,
    )
    from hokusai.doctor.diagnosis import diagnose
    from hokusai.doctor.network import Network, SocketNetwork
    from hokusai.doctor.report import Check, DoctorReport, Verdict
    from hokusai.errors import error_dict

__all__ = [
    "HEALTH_PATH",
    "MLFLOW_MOUNT",
    "WRITE_CHECK_PATH",
    "WRITE_SCOPE_LATER",
    "Check",
    "DoctorReport",
    "Network",
    "SessionFactory",
    "SocketNetwork",
    "Verdict",
    "diagnose",
    "error_dict",
    "health_url",
    "no_key_error",
    "registry_read_check",
]

# Loaded on first use: the connection checks import requests, which `hokusai whoami --offline`
# and an error report (error_dict) do not need. Names not listed here are the connection's.
_ELSEWHERE = {
    "diagnose": "hokusai.doctor.diagnosis",
    "Network": "hokusai.doctor.network",
    "SocketNetwork": "hokusai.doctor.network",
    "Check": "hokusai.doctor.report",
    "DoctorReport": "hokusai.doctor.report",
    "Verdict": "hokusai.doctor.report",
    "error_dict": "hokusai.errors",
}
__getattr__ = lazy_attributes(
    __name__, {name: _ELSEWHERE.get(name, "hokusai.doctor.connection") for name in __all__}
)
