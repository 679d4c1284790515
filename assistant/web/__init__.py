"""The intranet web UI: server-rendered pages, static assets and French error pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.web import admin_page, errors, routes
from assistant.web.templating import STATIC_DIR, build_templates


def mount_web(app: FastAPI) -> None:
    """Add the pages, `/static` and the HTML error pages to `app`."""
    app.state.web_templates = build_templates()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(routes.router)
    app.include_router(admin_page.router)
    app.add_exception_handler(StarletteHTTPException, errors.http_error)


__all__ = ["mount_web"]
