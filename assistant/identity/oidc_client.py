"""The assistant's Keycloak client (python-keycloak's `KeycloakOpenID`): code flow with PKCE, refresh,
logout, discovery. Errors come out as this package's: `IdentityProviderUnavailable` when Keycloak is
down (or a proxy in front of it fails), `NotAuthenticated` when it refuses."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakConnectionError, KeycloakError

from assistant.config import OidcSettings
from assistant.identity.errors import ConfigurationRefused, IdentityProviderUnavailable, NotAuthenticated

log = logging.getLogger(__name__)


def provider_unavailable(exc: Exception) -> bool:
    """Unreachable, or a server error (a proxy's 502...): unlike a refused refresh token, not the session's end."""
    if isinstance(exc, KeycloakConnectionError | IdentityProviderUnavailable):
        return True
    return isinstance(exc, KeycloakError) and (exc.response_code or 0) >= 500


def _translated(exc: KeycloakError, refused: str) -> Exception:
    if provider_unavailable(exc):
        return IdentityProviderUnavailable(f"identity provider unavailable ({exc.__class__.__name__})")
    return NotAuthenticated(refused)


class OidcClient:
    def __init__(self, oidc: OidcSettings) -> None:
        self.oidc = oidc
        secret = oidc.client_secret.get_secret_value() if oidc.client_secret else None
        self.keycloak = KeycloakOpenID(server_url=oidc.server_url, realm_name=oidc.realm, client_id=oidc.client_id,
                                       client_secret_key=secret or None, verify=oidc.verify_tls,
                                       timeout=int(oidc.timeout_s))

    @property
    def redirect_uri(self) -> str:
        return f"{self.oidc.public_url.rstrip('/')}/auth/callback"

    def discovery(self) -> dict[str, Any]:
        try:
            document: dict[str, Any] = self.keycloak.well_known()
        except KeycloakError as exc:
            raise ConfigurationRefused(f"cannot reach the identity provider at {self.oidc.issuer}: {exc}") from exc
        return document

    def login_url(self, state: str, nonce: str, code_challenge: str) -> str:
        url: str = self.keycloak.auth_url(self.redirect_uri, scope="openid profile email", state=state, nonce=nonce,
                                          code_challenge=code_challenge, code_challenge_method="S256")
        return url

    def exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        try:
            tokens: dict[str, Any] = self.keycloak.token(grant_type="authorization_code", code=code,
                                                         redirect_uri=self.redirect_uri, code_verifier=code_verifier)
        except KeycloakError as exc:
            raise _translated(exc, f"login refused by the identity provider: {exc}") from exc
        return tokens

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        try:
            tokens: dict[str, Any] = self.keycloak.refresh_token(refresh_token)
        except KeycloakError as exc:
            raise _translated(exc, "session ended by the identity provider: log in again") from exc
        return tokens

    def id_token_claims(self, id_token: str) -> dict[str, Any]:
        """The ID token's claims, unverified: it came straight from the token endpoint, over TLS."""
        try:
            claims: dict[str, Any] = self.keycloak.decode_token(id_token, validate=False)
        except Exception as exc:  # python-keycloak raises jwcrypto's own errors for a malformed token
            raise NotAuthenticated("malformed ID token") from exc
        return claims

    def logout_url(self) -> str:
        """Keycloak's logout page, which asks the user to confirm. No `id_token_hint`: no token in a URL
        (browser history, proxy and server logs, Referer)."""
        query = urlencode({"client_id": self.oidc.client_id,
                           "post_logout_redirect_uri": f"{self.oidc.public_url.rstrip('/')}/"})
        return f"{self.oidc.issuer}/protocol/openid-connect/logout?{query}"

    def end_provider_session(self, refresh_token: str) -> bool:
        """Ends the SSO session over the back channel; False when Keycloak could not be reached."""
        try:
            self.keycloak.logout(refresh_token)
        except KeycloakError as exc:  # the session may already be gone on the provider's side
            log.info("provider logout: %s", exc.__class__.__name__)
            return not provider_unavailable(exc)
        return True
