"""``diagnose``: resolve the configuration, then run every check in order into one report."""

from __future__ import annotations

import os
from collections.abc import Mapping

from hokusai.doctor.configuration import configuration_check, mode_check, resolve
from hokusai.doctor.conflicts import conflicts as find_conflicts
from hokusai.doctor.connection import ConnectionChecks, SessionFactory
from hokusai.doctor.network import Network, SocketNetwork
from hokusai.doctor.report import Check, DoctorReport
from hokusai.transport.http_bounds import watched_session
from hokusai.transport.proxy_route import proxy_use


def diagnose(
    *,
    environ: Mapping[str, str] | None = None,
    network: Network | None = None,
    session_factory: SessionFactory = watched_session,
    write_check: bool = True,
) -> DoctorReport:
    """Resolve the configuration and run every check; makes at most four small requests."""
    env = os.environ if environ is None else environ
    config, config_error = resolve(env)
    conflicts = tuple(find_conflicts(env, config))
    if config is None:
        assert config_error is not None
        failed = Check.failure("configuration", config_error)
        return DoctorReport(None, None, False, conflicts=conflicts, checks=(failed,))
    checks = ConnectionChecks(config, network or SocketNetwork(), session_factory)
    results = [configuration_check(config, config_error), mode_check(config)]
    results += checks.run(key_may_travel=config_error is None, write_check=write_check)
    return DoctorReport(
        remote_uri=config.remote_uri.shown,
        mode=config.mode.value.value,
        uses_remote=config.mode.value.uses_remote,
        settings=(*config.settings(), _proxy_row(config.remote_uri.value)),
        conflicts=conflicts,
        checks=tuple(results),
    )


def _proxy_row(uri: str) -> tuple[str, str, str]:
    """Which proxy the registry's requests (and so the key) go through."""
    use = proxy_use(uri)
    source = "environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY)"
    return ("proxy", use.describe(), "loopback" if use.bypassed else source)
