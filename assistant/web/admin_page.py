"""The admin page (role `admin`): collections, ingestions started and followed live. Data comes from the
/api/admin/ingestions routes; the page itself only carries the allowed folders."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from assistant.api.deps import Admin, Services
from assistant.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_page(request: Request, user: Admin, services: Services) -> Response:
    return render(request, "admin.html", {"user": user, "roots": services.ingestion_admin.roots()})
