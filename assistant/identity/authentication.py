"""A Bearer access token or a web session -> `Principal`; the steps of a web login and logout.

Tokens are checked locally (`tokens.TokenValidator`); a web session whose access token is due is refreshed
with its refresh token. A refused refresh ends the session (`NotAuthenticated`); an unreachable Keycloak
does not (`IdentityProviderUnavailable`, the session is kept).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.config import Settings
from assistant.database import Database
from assistant.identity.errors import IdentityProviderUnavailable, InvalidToken, LoginExpired, NotAuthenticated
from assistant.identity.guard import refuse_development_provider
from assistant.identity.oidc_client import OidcClient
from assistant.identity.sessions import PendingLoginLimits, SessionStore
from assistant.identity.tokens import TokenValidator, principal_from_claims
from assistant.principal import Principal

_REFRESH_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class LoginStart:
    url: str  # where to send the browser: the identity provider's login
    state: str


@dataclass(frozen=True)
class LoginDone:
    session_id: str
    return_to: str


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class OidcIdentity:
    def __init__(self, settings: Settings, sessions: SessionStore, client: OidcClient | None = None) -> None:
        self.settings = settings
        self.oidc = settings.auth.oidc
        self.sessions = sessions
        self.client = client or OidcClient(self.oidc)
        self.validator = TokenValidator(self.oidc)

    def from_token(self, token: str) -> Principal:
        """Raises `InvalidToken` or `IdentityProviderUnavailable` (the signing keys could not be fetched)."""
        return principal_from_claims(self.validator.claims(token), self.oidc)

    def from_session(self, session_id: str) -> Principal:
        row = self.sessions.get(session_id)
        if row is None:
            raise NotAuthenticated("session expired: log in again")
        claims = row.claims
        if row.access_expires_at - _REFRESH_MARGIN <= datetime.now(UTC):
            claims = self._refresh(session_id, row.refresh_token)
        return principal_from_claims(claims, self.oidc)

    def _refresh(self, session_id: str, refresh_token: str) -> dict[str, Any]:
        try:
            tokens = self.client.refresh(refresh_token)
            claims = self.validator.claims(tokens["access_token"])
        except IdentityProviderUnavailable:  # Keycloak down for a moment says nothing about the session: keep it
            raise
        except (NotAuthenticated, KeyError) as exc:
            self.sessions.delete(session_id)
            raise NotAuthenticated("session ended by the identity provider: log in again") from exc
        self.sessions.refresh(session_id, claims, tokens)
        return claims

    def begin_login(self, return_to: str, client: str) -> LoginStart:
        """`client`: the browser's address, which bounds the pending logins it can leave (`sessions`)."""
        pending = self.sessions.begin_login(return_to, client)
        return LoginStart(self.client.login_url(pending.state, pending.nonce, _challenge(pending.code_verifier)),
                          pending.state)

    def finish_login(self, state: str, code: str) -> LoginDone:
        """Raises `NotAuthenticated` (refused, expired, replayed) or `IdentityProviderUnavailable`."""
        pending = self.sessions.finish_login(state)
        if pending is None:
            raise LoginExpired("login expired: start again")
        tokens = self.client.exchange(code, pending.code_verifier)
        try:
            claims = self.validator.claims(tokens["access_token"])
            if self.client.id_token_claims(tokens["id_token"]).get("nonce") != pending.nonce:
                raise InvalidToken("nonce mismatch")
        except KeyError as exc:
            raise NotAuthenticated(f"the identity provider sent no {exc}") from exc
        principal = principal_from_claims(claims, self.oidc)
        max_age = self.settings.auth.session.max_age_s
        return LoginDone(self.sessions.create(principal.username, claims, tokens, max_age), pending.return_to)

    def logout(self, session_id: str) -> str:
        """Ends the session here and at Keycloak; returns where to send the browser: home once Keycloak has
        ended its session over the back channel, else Keycloak's own logout page (no token in its URL)."""
        row = self.sessions.delete(session_id)
        if row is None:
            return "/"
        if row.refresh_token and self.client.end_provider_session(row.refresh_token):
            return "/"
        return self.client.logout_url()


def build_oidc_identity(settings: Settings, database: Database) -> OidcIdentity:
    session = settings.auth.session
    limits = PendingLoginLimits(session.pending_logins_max, session.pending_logins_per_client)
    identity = OidcIdentity(settings, SessionStore(database, limits))
    refuse_development_provider(identity.client.discovery(), settings.auth.oidc.issuer,
                                settings.profile == "development")
    return identity
