"""Jinja2 templates and the security headers every HTML page carries."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
LOGIN_PATH = "/auth/login"

# Everything is served from /static, so no inline script or style is ever needed: any injected markup
# that slipped past escaping still could not run. No form-action: logging out redirects to Keycloak.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def build_templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES_DIR)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = request.app.state.web_templates
    return templates.TemplateResponse(
        request, name, {"sso": uses_sso(request), **context}, status_code=status_code,
        headers={**_PAGE_HEADERS, **(headers or {})})


def uses_sso(request: Request) -> bool:
    """Whether /auth/login and /auth/logout are there to link to (not with the development login)."""
    return bool(request.app.state.settings.auth.mode == "oidc")
