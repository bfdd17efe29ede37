"""The settings and key one ``ModelRegistry`` resolves, as plain functions.

The container's providers call these, and so do the read-only commands (``hokusai whoami
--offline``, ``hokusai status --no-probe``) without building a container: importing
``hokusai.container`` imports dependency-injector's wiring, which imports FastAPI whenever it is
installed (a quarter of a second), and the backends. One code path either way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from hokusai.config import defaults, keys
from hokusai.config.credentials import Credentials
from hokusai.config.sources import Setting
from hokusai.config.tracking import TrackingConfig


def process_values() -> Mapping[str, Setting[Any]]:
    """What ``hokusai.configure()`` set for the process (nothing: empty)."""
    current = defaults.current()
    return current.values if current is not None else {}


def read_credentials(
    arguments: Mapping[str, object],
    environ: Mapping[str, str],
    process: Mapping[str, Setting[Any]] | None = None,
) -> Credentials:
    """The whole key chain (``hokusai.config.keys``): argument (or ``auth=``) >
    ``hokusai.configure()`` > ``HOKUSAI_API_KEY`` > ``MLFLOW_TRACKING_TOKEN`` > the key
    ``hokusai login`` stored > the deprecated ``api_key`` in ``$HOKUSAI_HOME/config``."""
    return keys.resolve_credentials(
        arguments,
        environ,
        keys.stored_key(arguments, environ, process),
        process,
        keys.legacy_file_key(arguments, environ),
    )


def registry_config(
    arguments: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> TrackingConfig:
    """The configuration ``ModelRegistry(**arguments)`` resolves, key included, built now."""
    env = os.environ if environ is None else environ
    process = process_values()
    return TrackingConfig.resolve(
        arguments=arguments,
        environ=env,
        credentials=read_credentials(arguments, env, process),
        process=process,
    )
