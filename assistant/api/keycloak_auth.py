"""The OIDC authenticator: Bearer tokens for the APIs, a server-side session for the web UI.

The code flow (PKCE), token refresh and logout go through python-keycloak's `KeycloakOpenID`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import HTTPException, Request, status
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakConnectionError, KeycloakError

from assistant.api.auth import AuthenticationRequired, ConfigurationRefused
from assistant.api.oidc import IdentityProviderUnavailable, InvalidToken, TokenValidator, principal_from_claims
from assistant.api.sessions import SessionStore
from assistant.config import Settings
from assistant.database import Database
from assistant.principal import Principal

log = logging.getLogger(__name__)
_REFRESH_MARGIN = timedelta(seconds=30)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_PROVIDER_RETRY_AFTER_S = 30
DEV_PROVIDER_MARKER = "x_development_identity_provider"


class OidcAuthenticator:
    def __init__(self, settings: Settings, sessions: SessionStore) -> None:
        self.settings = settings
        self.oidc = settings.auth.oidc
        self.sessions = sessions
        self.validator = TokenValidator(self.oidc)
        secret = self.oidc.client_secret.get_secret_value() if self.oidc.client_secret else None
        self.keycloak = KeycloakOpenID(server_url=self.oidc.server_url, realm_name=self.oidc.realm,
                                       client_id=self.oidc.client_id, client_secret_key=secret or None,
                                       verify=self.oidc.verify_tls, timeout=int(self.oidc.timeout_s))

    @property
    def redirect_uri(self) -> str:
        return f"{self.oidc.public_url.rstrip('/')}/auth/callback"

    def authenticate(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise AuthenticationRequired("Authorization header must be 'Bearer <token>'")
            return self._from_token(token.strip())
        session_id = request.cookies.get(self.settings.auth.session.cookie_name)
        if session_id:
            self._check_origin(request)
            return self._from_session(session_id)
        raise AuthenticationRequired()

    def _from_token(self, token: str) -> Principal:
        try:
            return principal_from_claims(self.validator.claims(token), self.oidc)
        except InvalidToken as exc:
            raise AuthenticationRequired(str(exc)) from exc
        except IdentityProviderUnavailable as exc:  # the signing keys could not be fetched
            raise _provider_unavailable_error(exc) from exc

    def _from_session(self, session_id: str) -> Principal:
        row = self.sessions.get(session_id)
        if row is None:
            raise AuthenticationRequired("session expired: log in again")
        claims = row.claims
        if row.access_expires_at - _REFRESH_MARGIN <= datetime.now(UTC):
            claims = self._refresh(session_id, row.refresh_token)
        return principal_from_claims(claims, self.oidc)

    def _refresh(self, session_id: str, refresh_token: str) -> dict[str, Any]:
        try:
            tokens = self.keycloak.refresh_token(refresh_token)
            claims = self.validator.claims(tokens["access_token"])
        except (KeycloakError, IdentityProviderUnavailable, InvalidToken, KeyError) as exc:
            if _provider_unavailable(exc):  # Keycloak down for a moment says nothing about the session: keep it
                raise _provider_unavailable_error(exc) from exc
            self.sessions.delete(session_id)
            raise AuthenticationRequired("session ended by the identity provider: log in again") from exc
        self.sessions.refresh(session_id, claims, tokens)
        return claims

    def _check_origin(self, request: Request) -> None:
        """Cookie-authenticated writes must come from our own pages (CSRF), on top of SameSite=Lax."""
        if request.method in _SAFE_METHODS:
            return
        origin = request.headers.get("origin") or request.headers.get("referer")
        expected = urlsplit(self.oidc.public_url)
        seen = urlsplit(origin) if origin else None
        if seen is None or (seen.scheme, seen.netloc) != (expected.scheme, expected.netloc):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "requête refusée : origine inconnue")

    def login_url(self, state: str, nonce: str, code_challenge: str) -> str:
        return self.keycloak.auth_url(self.redirect_uri, scope="openid profile email", state=state, nonce=nonce,
                                      code_challenge=code_challenge, code_challenge_method="S256")

    def exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        return self.keycloak.token(grant_type="authorization_code", code=code, redirect_uri=self.redirect_uri,
                                   code_verifier=code_verifier)

    def logout_url(self, id_token: str) -> str:
        query = urlencode({"id_token_hint": id_token, "client_id": self.oidc.client_id,
                           "post_logout_redirect_uri": f"{self.oidc.public_url.rstrip('/')}/"})
        return f"{self.oidc.issuer}/protocol/openid-connect/logout?{query}"

    def end_provider_session(self, refresh_token: str) -> None:
        try:
            self.keycloak.logout(refresh_token)
        except KeycloakError as exc:  # the session may already be gone on the provider's side
            log.info("provider logout: %s", exc.__class__.__name__)


def _provider_unavailable_error(exc: Exception) -> HTTPException:
    log.warning("identity provider unavailable (%s)", exc.__class__.__name__)
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "fournisseur d'identité injoignable, réessayez",
                         headers={"Retry-After": str(_PROVIDER_RETRY_AFTER_S)})


def _provider_unavailable(exc: Exception) -> bool:
    """Unreachable, or a server error (a proxy's 502...): unlike a refused refresh token, not the session's end."""
    if isinstance(exc, KeycloakConnectionError | IdentityProviderUnavailable):
        return True
    return isinstance(exc, KeycloakError) and (exc.response_code or 0) >= 500


def refuse_development_provider(settings: Settings, discovery: dict[str, Any]) -> None:
    if discovery.get(DEV_PROVIDER_MARKER) and settings.profile != "development":
        raise ConfigurationRefused(
            f"{settings.auth.oidc.issuer} is the development identity provider: refused unless profile is "
            "'development' (use the collectivity's Keycloak in production)")


def build_oidc_authenticator(settings: Settings, database: Database) -> OidcAuthenticator:
    authenticator = OidcAuthenticator(settings, SessionStore(database))
    try:
        discovery = authenticator.keycloak.well_known()
    except KeycloakError as exc:
        raise ConfigurationRefused(f"cannot reach the identity provider at {settings.auth.oidc.issuer}: {exc}") from exc
    refuse_development_provider(settings, discovery)
    return authenticator
