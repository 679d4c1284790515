"""Web login with Keycloak (authorization code + PKCE), logout, and who am I."""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse
from keycloak.exceptions import KeycloakError

from assistant.api.deps import CurrentUser
from assistant.api.keycloak_auth import OidcAuthenticator
from assistant.api.oidc import InvalidToken, principal_from_claims

router = APIRouter(prefix="/auth", tags=["authentication"])
LOGIN_COOKIE = "assistant_login"


def _authenticator(request: Request) -> OidcAuthenticator:
    authenticator = request.app.state.authenticator
    if not isinstance(authenticator, OidcAuthenticator):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "connexion SSO non configurée")
    return authenticator


def _local_path(target: str) -> str:
    """Only same-site paths: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@router.get("/login", summary="Start the Keycloak login")
def login(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> RedirectResponse:
    authenticator = _authenticator(request)
    pending = authenticator.sessions.begin_login(_local_path(next))
    response = RedirectResponse(authenticator.login_url(pending.state, pending.nonce,
                                                        _challenge(pending.code_verifier)), status_code=302)
    response.set_cookie(LOGIN_COOKIE, pending.state, max_age=600, httponly=True, samesite="lax",
                        secure=authenticator.settings.auth.session.cookie_secure, path="/auth")
    return response


@router.get("/callback", summary="Keycloak redirects here after login")
def callback(request: Request, code: str = "", state: str = "", error: str = "") -> RedirectResponse:
    authenticator = _authenticator(request)
    if error or not code or not state or request.cookies.get(LOGIN_COOKIE) != state:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "connexion refusée ou expirée : recommencez")
    pending = authenticator.sessions.finish_login(state)
    if pending is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "connexion expirée : recommencez")
    try:
        tokens = authenticator.exchange(code, pending.code_verifier)
        claims = authenticator.validator.claims(tokens["access_token"])
        id_claims = authenticator.keycloak.decode_token(tokens["id_token"], validate=False)
        if id_claims.get("nonce") != pending.nonce:
            raise InvalidToken("nonce mismatch")
        principal = principal_from_claims(claims, authenticator.oidc)
    except (KeycloakError, InvalidToken, KeyError) as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"connexion impossible : {exc}") from exc
    session_settings = authenticator.settings.auth.session
    session_id = authenticator.sessions.create(principal.username, claims, tokens, session_settings.max_age_s)
    response = RedirectResponse(pending.return_to, status_code=302)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    response.set_cookie(session_settings.cookie_name, session_id, max_age=session_settings.max_age_s,
                        httponly=True, samesite="lax", secure=session_settings.cookie_secure, path="/")
    return response


@router.post("/logout", summary="End the session here and at Keycloak")
def logout(request: Request) -> RedirectResponse:
    authenticator = _authenticator(request)
    cookie_name = authenticator.settings.auth.session.cookie_name
    row = authenticator.sessions.delete(request.cookies.get(cookie_name, ""))
    target = "/"
    if row is not None:
        if row.refresh_token:
            authenticator.end_provider_session(row.refresh_token)
        if row.id_token:
            target = authenticator.logout_url(row.id_token)
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(cookie_name, path="/")
    return response


@router.get("/me", summary="The authenticated user, as the assistant sees them")
def me(user: CurrentUser) -> dict[str, object]:
    return {"username": user.username, "groups": sorted(user.groups), "roles": sorted(user.roles)}
