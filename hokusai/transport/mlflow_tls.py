"""MLflow's own TLS settings, read the way MLflow's client reads them.

Users who point MLflow at a private CA (``MLFLOW_TRACKING_SERVER_CERT_PATH``), a client
certificate (``MLFLOW_TRACKING_CLIENT_CERT_PATH``) or switch verification off
(``MLFLOW_TRACKING_INSECURE_TLS``) expect every request to the registry to follow them, the
SDK's own connectivity check included. The rules mirror ``mlflow.utils.rest_utils
.MlflowHostCreds``: a CA path wins as ``verify``; insecure together with a CA path is an error;
booleans are ``true``/``false``/``1``/``0``. Read per registry from the environment mapping the
registry was resolved with; nothing is written anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from hokusai.errors import ConfigurationError

INSECURE = "MLFLOW_TRACKING_INSECURE_TLS"
SERVER_CERT = "MLFLOW_TRACKING_SERVER_CERT_PATH"
CLIENT_CERT = "MLFLOW_TRACKING_CLIENT_CERT_PATH"


@dataclass(frozen=True)
class TlsSettings:
    """``verify`` and ``cert`` as ``requests`` takes them."""

    verify: bool | str = True
    cert: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> TlsSettings:
        env = os.environ if environ is None else environ
        insecure = _boolean(env, INSECURE)
        server_cert = env.get(SERVER_CERT) or None
        if insecure and server_cert is not None:
            raise ConfigurationError(
                f"{INSECURE} is true and {SERVER_CERT} is set: MLflow refuses that combination "
                "(one switches certificate checks off, the other names the CA to check against).",
                hint=f"Unset one of {INSECURE} and {SERVER_CERT}.",
            )
        verify: bool | str = server_cert if server_cert is not None else not insecure
        return cls(verify=verify, cert=env.get(CLIENT_CERT) or None)


def _boolean(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name)
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise ConfigurationError(
            f"{name}={raw!r} is not a boolean; MLflow accepts true, false, 1 or 0.",
            hint=f"Set {name} to true or false, or unset it.",
        )
    return lowered in ("true", "1")
