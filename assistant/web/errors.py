"""French error pages for people browsing; API clients keep FastAPI's JSON errors."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request, status
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from assistant.web.templating import LOGIN_PATH, render, uses_sso


@dataclass(frozen=True)
class ErrorPage:
    title: str
    message: str
    advice: str


PAGES = {
    400: ErrorPage(
        "Demande invalide",
        "La demande n'a pas pu être traitée.",
        "Revenez à l'assistant et recommencez. Si le problème persiste, contactez le service informatique.",
    ),
    401: ErrorPage(
        "Connexion requise",
        "Vous devez être connecté avec votre compte de la collectivité pour utiliser l'assistant.",
        "Identifiez-vous, puis vous reviendrez sur cette page. "
        "Si le problème persiste, contactez le service informatique.",
    ),
    403: ErrorPage(
        "Accès refusé",
        "Accès refusé : votre compte n'a pas le rôle nécessaire pour utiliser l'assistant.",
        "Demandez l'accès à votre responsable ou au service informatique de la collectivité.",
    ),
    404: ErrorPage(
        "Page ou document introuvable",
        "Cette page ou ce document n'existe pas, ou vous n'avez pas le droit de le consulter.",
        "Revenez à l'assistant et ouvrez le document depuis la liste des sources.",
    ),
    410: ErrorPage(
        "Document retiré",
        "Le fichier d'origine de ce document n'est plus disponible sur le serveur.",
        "Le service documentaire pourra vous en fournir une version à jour.",
    ),
}

_API_PREFIXES = ("/api/", "/v1/")

# API clients read the authentication layer's English details; people browsing read them in French.
FRENCH_DETAILS = {
    "authentication required": "authentification requise",
    "Authorization header must be 'Bearer <token>'": "en-tête Authorization attendu : « Bearer <jeton> »",
    "session expired: log in again": "session expirée : reconnectez-vous",
    "session ended by the identity provider: log in again":
        "session terminée par le fournisseur d'identité : reconnectez-vous",
    "token expired": "jeton expiré",
    "malformed token": "jeton mal formé",
    "not an access token": "ce jeton n'est pas un jeton d'accès",
    "token issued to another client (azp)": "jeton émis pour une autre application",
}


def wants_html(request: Request) -> bool:
    if request.url.path.startswith(_API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


async def http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    page = PAGES.get(exc.status_code)
    if page is None or not wants_html(request):
        return await http_exception_handler(request, exc)
    if exc.status_code == 401 and _can_send_to_login(request):
        return RedirectResponse(_login_url(request), status.HTTP_303_SEE_OTHER)
    context = {"page": page, "detail": french_detail(exc),
               "login_url": _login_url(request) if exc.status_code == 401 else None,
               # Set by the authentication dependency before a role check fails: lets a 403 offer logout.
               "user": getattr(request.state, "principal", None)}
    return render(request, "error.html", context, status_code=exc.status_code, headers=exc.headers)


def french_detail(exc: HTTPException) -> str:
    """The detail in French; an untranslated authentication detail is left out rather than shown in English."""
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if exc.status_code == 401:
        return FRENCH_DETAILS.get(detail, "")
    return detail


def _can_send_to_login(request: Request) -> bool:
    """A page asked for without a session goes straight to the login, and comes back to it afterwards."""
    return request.method in ("GET", "HEAD") and uses_sso(request) and not request.url.path.startswith("/auth/")


def _login_url(request: Request) -> str:
    """Log in, then come back here (but never back into a failed /auth/ step)."""
    if request.url.path.startswith("/auth/"):
        return LOGIN_PATH
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{LOGIN_PATH}?next={quote(target, safe='')}"
