"""The pages: the assistant itself and the viewer a cited source opens on."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request, status
from starlette.responses import RedirectResponse, Response

from assistant.api.deps import Admin, Agent, CurrentUser, Services
from assistant.api.routes.data import Analyst
from assistant.api.routes.documents import document_chunk, readable_document
from assistant.api.services import AppServices
from assistant.catalog import DocumentRow
from assistant.downloads import OriginalUnavailable
from assistant.principal import Principal
from assistant.web.templating import render

router = APIRouter(include_in_schema=False)

_CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@router.get("/")
def assistant_page(request: Request, user: CurrentUser) -> Response:
    if "agent" not in user.roles and not user.is_operator:
        if "analyst" in user.roles:  # an analyst who does not chat lands on the analysis page
            return RedirectResponse("/analyse", status.HTTP_303_SEE_OTHER)
        raise HTTPException(status.HTTP_403_FORBIDDEN, "rôle « agent » requis")
    return render(request, "index.html", {"user": user})


@router.get("/analyse")
def analysis_page(request: Request, user: Analyst) -> Response:
    return render(request, "analysis.html", {"user": user})


@router.get("/admin/datasets")
def datasets_admin_page(request: Request, user: Admin, services: Services) -> Response:
    return render(request, "datasets_admin.html", {"user": user, "roots": services.ingestion_admin.roots()})


@router.get("/documents/{document_id}/view")
def document_view(
    request: Request, document_id: str, user: Agent, services: Services,
    chunk: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    passage = _passage(document_id, chunk, user, services)
    document = readable_document(services, user, document_id)
    shown_page = passage.get("page") or page
    if shown_page is not None and document.page_count is not None and shown_page > document.page_count:
        shown_page = None
    context = {"user": user, "passage": passage, "page": shown_page, "back_url": _back_url(request),
               "file_url": f"/documents/{document_id}/file", "file_type": document.file_type.upper(),
               **_page_image(document, shown_page, services)}
    return render(request, "viewer.html", context)


def _page_image(document: DocumentRow, page: int | None, services: AppServices) -> dict[str, Any]:
    """A PDF's page is shown as an image rendered on the server, with its text: the PDF is only downloaded."""
    if page is None or document.file_type != "pdf":
        return {"page_image_url": None, "page_text": "", "page_problem": ""}
    try:
        text, problem = services.downloads.page_text(document, page), ""
    except OriginalUnavailable as exc:
        text, problem = "", exc.message
    return {"page_image_url": None if problem else f"/documents/{document.id}/pages/{page}.png",
            "page_text": text, "page_problem": problem}


def _passage(document_id: str, chunk: str | None, user: Principal, services: AppServices) -> dict[str, Any]:
    """The cited passage, or only the document's description when no passage was asked for."""
    if chunk:
        return document_chunk(document_id, chunk, user, services)
    document = readable_document(services, user, document_id)
    return {"document_id": document.id, "title": document.title, "source": document.source_name,
            "file_type": document.file_type, "page": None, "section": "", "text": ""}


def _back_url(request: Request) -> str:
    """Back to the conversation the source was opened from, when the browser tells which one it was."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or referer.path != "/":
        return "/"
    conversation = parse_qs(referer.query).get("conversation", [""])[0]
    return f"/?conversation={conversation}" if _CONVERSATION_ID.fullmatch(conversation) else "/"
