"""Web login with Keycloak (authorization code + PKCE), logout, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse

from assistant.api.auth import OidcAuthenticator, provider_unavailable_error, require_same_origin
from assistant.api.deps import CurrentUser
from assistant.identity.authentication import OidcIdentity
from assistant.identity.errors import IdentityProviderUnavailable, LoginExpired, NotAuthenticated

router = APIRouter(prefix="/auth", tags=["authentication"])
LOGIN_COOKIE = "assistant_login"


def _identity(request: Request) -> OidcIdentity:
    authenticator = request.app.state.authenticator
    if not isinstance(authenticator, OidcAuthenticator):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "connexion SSO non configurée")
    return authenticator.identity


def _local_path(target: str) -> str:
    """Only same-site paths: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/login", summary="Start the Keycloak login")
def login(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> RedirectResponse:
    identity = _identity(request)
    start = identity.begin_login(_local_path(next), request.client.host if request.client else "")
    response = RedirectResponse(start.url, status_code=302)
    response.set_cookie(LOGIN_COOKIE, start.state, max_age=600, httponly=True, samesite="lax",
                        secure=identity.settings.auth.session.cookie_secure, path="/auth")
    return response


@router.get("/callback", summary="Keycloak redirects here after login")
def callback(request: Request, code: str = "", state: str = "", error: str = "") -> RedirectResponse:
    identity = _identity(request)
    if error or not code or not state or request.cookies.get(LOGIN_COOKIE) != state:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "connexion refusée ou expirée : recommencez")
    try:
        done = identity.finish_login(state, code)
    except LoginExpired as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "connexion expirée : recommencez") from exc
    except NotAuthenticated as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"connexion impossible : {exc}") from exc
    except IdentityProviderUnavailable as exc:
        raise provider_unavailable_error(exc) from exc
    session_settings = identity.settings.auth.session
    response = RedirectResponse(done.return_to, status_code=302)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    response.set_cookie(session_settings.cookie_name, done.session_id, max_age=session_settings.max_age_s,
                        httponly=True, samesite="lax", secure=session_settings.cookie_secure, path="/")
    return response


@router.post("/logout", summary="End the session here and at Keycloak")
def logout(request: Request) -> RedirectResponse:
    identity = _identity(request)
    require_same_origin(request, identity.oidc.public_url)  # a form on another site must not log us out
    cookie_name = identity.settings.auth.session.cookie_name
    response = RedirectResponse(identity.logout(request.cookies.get(cookie_name, "")), status_code=303)
    response.delete_cookie(cookie_name, path="/")
    return response


@router.get("/me", summary="The authenticated user, as the assistant sees them")
def me(user: CurrentUser) -> dict[str, object]:
    return {"username": user.username, "groups": sorted(user.groups), "roles": sorted(user.roles)}
