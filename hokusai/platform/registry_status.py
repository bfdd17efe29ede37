"""What a registry reports about itself, built from its configuration.

``ModelRegistry.status()`` passes what its backend and breaker saw; ``hokusai status
--no-probe`` builds the same report from the configuration alone, without building a registry
(nothing has been probed in a fresh process, so the two agree).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hokusai.config.tracking import Mode, TrackingConfig
from hokusai.models import ProbeResult, RegistryStatus

if TYPE_CHECKING:
    from hokusai.local.pending import PendingStore


def first_target(mode: Mode, has_key: bool) -> str:
    """Where a registry's calls go before any probe: modes local and mock stay on this machine,
    remote always tries the hosted registry, auto and optional use it when there is a key."""
    if mode is Mode.LOCAL:
        return "local"
    if mode is Mode.MOCK:
        return "mock"
    return "remote" if mode is Mode.REMOTE or has_key else "local"


def registry_status(
    config: TrackingConfig,
    pending: PendingStore,
    *,
    target: str | None = None,
    last_probe: ProbeResult | None = None,
) -> RegistryStatus:
    """The status of a registry on ``config``; ``target`` defaults to :func:`first_target`."""
    return RegistryStatus(
        mode=config.mode.value.value,
        target=first_target(config.mode.value, config.api_key is not None)
        if target is None
        else target,
        remote_uri=config.remote_uri.shown,
        local_uri=config.local_uri.shown,
        key_source=config.credentials.source,
        masked_key=config.credentials.masked,
        last_probe=last_probe,
        pending_registrations=len(pending.pending()),
    )
