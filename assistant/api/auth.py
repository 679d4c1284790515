"""Who is calling, for HTTP: an authenticator turns a request into a `Principal` or refuses it.

The decisions are `assistant.identity`'s; this module reads the credentials off the request (a Bearer
header, or the session cookie), checks the origin of cookie-authenticated writes, and turns identity
errors into HTTP answers (401, 403, 503).
"""

from __future__ import annotations

import logging
from typing import Protocol
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status

from assistant.config import AuthSettings, Settings
from assistant.database import Database
from assistant.identity.authentication import OidcIdentity, build_oidc_identity
from assistant.identity.errors import IdentityProviderUnavailable, NotAuthenticated
from assistant.identity.guard import check_auth_configuration
from assistant.principal import Principal

log = logging.getLogger(__name__)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_PROVIDER_RETRY_AFTER_S = 30


class AuthenticationRequired(HTTPException):
    def __init__(self, detail: str = "authentication required") -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def provider_unavailable_error(exc: Exception) -> HTTPException:
    log.warning("identity provider unavailable (%s)", exc.__class__.__name__)
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "fournisseur d'identité injoignable, réessayez",
                         headers={"Retry-After": str(_PROVIDER_RETRY_AFTER_S)})


def require_same_origin(request: Request, public_url: str) -> None:
    """The request must come from our own pages (CSRF): its Origin, or else its Referer, is `public_url`'s."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    expected = urlsplit(public_url)
    seen = urlsplit(origin) if origin else None
    if seen is None or (seen.scheme, seen.netloc) != (expected.scheme, expected.netloc):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "requête refusée : origine inconnue")


class Authenticator(Protocol):
    def authenticate(self, request: Request) -> Principal: ...


class DevelopmentAuthenticator:
    """Everyone is the configured development user. Refused outside the development profile."""

    def __init__(self, settings: AuthSettings) -> None:
        user = settings.dev_user
        self._principal = Principal.of(user.username, user.groups, user.roles)

    def authenticate(self, request: Request) -> Principal:
        return self._principal


class OidcAuthenticator:
    """Bearer access tokens for the APIs, the server-side session (cookie) for the web UI."""

    def __init__(self, identity: OidcIdentity) -> None:
        self.identity = identity
        self.settings = identity.settings

    def authenticate(self, request: Request) -> Principal:
        try:
            return self._principal(request)
        except NotAuthenticated as exc:
            raise AuthenticationRequired(str(exc)) from exc
        except IdentityProviderUnavailable as exc:
            raise provider_unavailable_error(exc) from exc

    def _principal(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthenticated("Authorization header must be 'Bearer <token>'")
            return self.identity.from_token(token.strip())
        session_id = request.cookies.get(self.settings.auth.session.cookie_name)
        if session_id:
            if request.method not in _SAFE_METHODS:  # on top of SameSite=Lax
                require_same_origin(request, self.settings.auth.oidc.public_url)
            return self.identity.from_session(session_id)
        raise NotAuthenticated("authentication required")


def build_authenticator(settings: Settings, database: Database) -> Authenticator:
    check_auth_configuration(settings)
    if settings.auth.mode == "development":
        return DevelopmentAuthenticator(settings.auth)
    return OidcAuthenticator(build_oidc_identity(settings, database))
