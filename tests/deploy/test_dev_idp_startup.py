"""The dev IdP refuses to start outside development, and the test helper starts and stops it."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess

import httpx
import pytest

from tests.support.dev_idp import SERVER_JS, dev_idp_unavailable_reason, node_executable, pkce_pair, start_dev_idp

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)


# --- start-up guard ------------------------------------------------------------------------


def _run_server(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ASSISTANT_PROFILE", "NODE_ENV")}
    env.update(env_extra)
    return subprocess.run(
        [str(node_executable()), str(SERVER_JS), "--port", "0", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_refuses_to_start_without_dev_flag():
    result = _run_server([], {})
    assert result.returncode == 2
    assert "refus de démarrer" in result.stderr
    assert "READY" not in result.stdout


def test_refuses_production_profile_even_with_dev_flag():
    result = _run_server(["--dev"], {"ASSISTANT_PROFILE": "production"})
    assert result.returncode == 2
    assert "production" in result.stderr
    assert "READY" not in result.stdout


def test_development_profile_env_is_enough_and_banner_warns():
    server = start_dev_idp(dev_flag=False, env={"ASSISTANT_PROFILE": "development"})
    try:
        assert server.issuer.startswith("http://127.0.0.1:")
        assert server.issuer.endswith("/realms/demo")
    finally:
        server.stop()
    assert "NE JAMAIS UTILISER EN PRODUCTION" in server.stderr


# --- the test helper --------------------------------------------------------------------------


def test_helper_stops_the_server():
    server = start_dev_idp()
    pid = server.process.pid
    server.stop()
    assert server.process.poll() is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.discovery_url, timeout=2)
    assert pid


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert 43 <= len(verifier) <= 128
