"""A registration on a loopback registry with proxy variables set: the proxy never sees the key.

The real ``mlflow server`` behind the authenticating proxy on 127.0.0.1; HTTP_PROXY,
HTTPS_PROXY and ALL_PROXY point at a loopback socket that records what it receives.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fixtures.real_server import RealServer
from hokusai import ModelRegistry
from tests.hardening.proxy_sockets import recorder

pytestmark = pytest.mark.integration


def test_registration_and_download_skip_the_proxy(
    live_server: RealServer, sk_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    with recorder(502) as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        registry = ModelRegistry(
            live_server.tracking_uri, api_key=live_server.key_for("alice"), mode="remote"
        )
        name = f"proxied-{uuid.uuid4().hex[:8]}"
        entry = registry.register_model(sk_model, name)
        copy = registry.download_model(name, entry.version or "", tmp_path / "copy")
    assert entry.target == "remote"
    assert (copy / "MLmodel").is_file()
    assert proxy.seen == []
    assert [r.user for r in live_server.requests() if r.path.endswith("model-versions/create")][
        -1
    ] == "alice"
