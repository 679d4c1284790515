"""A running dev IdP: its Keycloak endpoints, the back channel (token endpoint), and its administration."""

from __future__ import annotations

import collections
import contextlib
import subprocess
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.dev_idp.browser import DevIdpBrowser
from tests.support.dev_idp.environment import TEST_REDIRECT_URI, LoginFailed


@dataclass
class DevIdp:
    """A running dev IdP. Use as a context manager, or call `stop()`."""

    process: subprocess.Popen[str]
    issuer: str
    realm: str
    client_id: str
    client_secret: str | None
    _stderr: collections.deque[str] = field(repr=False)

    @property
    def port(self) -> int:
        return urlsplit(self.issuer).port or 80

    @property
    def server_url(self) -> str:
        """What python-keycloak's `KeycloakOpenID(server_url=...)` expects."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/auth"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    @property
    def userinfo_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/userinfo"

    @property
    def end_session_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/logout"

    @property
    def stderr(self) -> str:
        """Recent server log lines (banner, logins, errors)."""
        return "".join(self._stderr)

    def __enter__(self) -> DevIdp:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    # --- back channel -------------------------------------------------------------------
    def _client_auth(self, client_id: str | None, client_secret: str | None) -> tuple[str, str] | None:
        cid = client_id or self.client_id
        secret = client_secret if client_secret is not None else (self.client_secret if cid == self.client_id else None)
        return (cid, secret) if secret else None

    def _token_request(self, data: dict[str, str], client_id: str | None, client_secret: str | None) -> dict[str, Any]:
        auth = self._client_auth(client_id, client_secret)
        if auth is None:
            data = {**data, "client_id": client_id or self.client_id}
        response = httpx.post(self.token_endpoint, data=data, auth=auth, timeout=10)
        body = response.json()
        if response.status_code != 200:
            raise LoginFailed(f"{body.get('error')}: {body.get('error_description', '')}")
        return body

    def exchange_code(
        self,
        code: str,
        code_verifier: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str = TEST_REDIRECT_URI,
    ) -> dict[str, Any]:
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": code_verifier,
                "redirect_uri": redirect_uri,
            },
            client_id,
            client_secret,
        )

    def refresh(
        self, refresh_token: str, *, client_id: str | None = None, client_secret: str | None = None
    ) -> dict[str, Any]:
        return self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}, client_id, client_secret
        )

    def browser(self) -> DevIdpBrowser:
        return DevIdpBrowser(self)

    def login(
        self,
        username: str,
        password: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str = TEST_REDIRECT_URI,
        *,
        scope: str = "openid profile email",
    ) -> dict[str, Any]:
        """Real authorization-code + PKCE login in a fresh browser; returns the token response."""
        with self.browser() as browser:
            return browser.login(username, password, client_id, client_secret, redirect_uri, scope=scope)

    def discovery(self) -> dict[str, Any]:
        return httpx.get(self.discovery_url, timeout=10).raise_for_status().json()

    def jwks(self) -> dict[str, Any]:
        return httpx.get(self.jwks_uri, timeout=10).raise_for_status().json()

    def rotate_keys(self, *, keep_previous: bool = True) -> str:
        """New active signing key; returns its kid. keep_previous=False drops the old keys from the JWKS."""
        response = httpx.post(
            f"{self.server_url}_dev/rotate-keys",
            params={"keep_previous": "true" if keep_previous else "false"},
            timeout=30,
        )
        return str(response.raise_for_status().json()["kid"])
