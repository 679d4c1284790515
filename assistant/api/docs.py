"""The API documentation: Swagger UI and the OpenAPI schema, for administrators, served by this server only.

FastAPI's default page loads Swagger UI from a public CDN: broken on an offline intranet, and third-party
script on our authenticated origin otherwise. Here the assets come from the `swagger-ui-bundle` package,
the validator badge (another external call) is off, and a Content-Security-Policy keeps the page to our
own origin. ReDoc is not served. A browser reaches the page with its web session, like every other page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from assistant.api.deps import Admin

DOCS_PATH = "/docs"
OPENAPI_PATH = "/openapi.json"
_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "favicon-32x32.png": "image/png"}
_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")

router = APIRouter(include_in_schema=False)


def assets_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


@router.get(OPENAPI_PATH)
def openapi_schema(request: Request, admin: Admin) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get(DOCS_PATH)
def swagger_ui(request: Request, admin: Admin) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    page = get_swagger_ui_html(
        openapi_url=root + OPENAPI_PATH, title=f"{request.app.title} — API",
        swagger_js_url=f"{root}{DOCS_PATH}/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_PATH}/assets/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_PATH}/assets/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None})
    page.headers["Content-Security-Policy"] = _CSP
    return page


@router.get(DOCS_PATH + "/assets/{name}")
def swagger_asset(name: str, admin: Admin) -> FileResponse:
    if name not in _ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "introuvable")
    return FileResponse(assets_dir() / name, media_type=_ASSETS[name],
                        headers={"Cache-Control": "private, max-age=3600"})
