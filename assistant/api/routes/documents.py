"""Search, collections and the documents themselves, always within what the user may read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import FileResponse

from assistant.api.deps import Agent, Services
from assistant.api.download_headers import original_headers
from assistant.api.guards import DownloadAgent, SearchAgent, Trail
from assistant.api.schemas import CollectionOut
from assistant.catalog import DocumentRow
from assistant.downloads import OriginalUnavailable
from assistant.principal import Principal
from assistant.retrieval import UnknownCollection, passage_payload

router = APIRouter(tags=["documents"])


def readable_document(services: Services, user: Principal, document_id: str) -> DocumentRow:
    """The document, or 404 when it does not exist *or* the user may not read it (no oracle)."""
    catalog = services.runtime.knowledge.catalog
    document = catalog.document(document_id)
    collection = catalog.collection(document.collection) if document else None
    if document is None or collection is None or not user.can_read(collection.groups):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "document introuvable")
    return document


@router.get("/api/search", summary="Hybrid search within the collections the user may read")
def search(
    q: Annotated[str, Query(min_length=1, max_length=2000)], user: SearchAgent, services: Services, trail: Trail,
    collections: Annotated[list[str] | None, Query()] = None,
    k: Annotated[int, Query(ge=1, le=50)] = 8,
) -> dict[str, Any]:
    try:
        result = services.runtime.retrieval.search(q, user, collections, top_k=k)
    except UnknownCollection as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    trail.searched(q, result.collections, [passage.document_id for passage in result.passages])
    return {"query": q, "collections": result.collections,
            "passages": [passage_payload(p, user) for p in result.passages],
            "timings_ms": result.timings_ms}


@router.get("/api/collections", response_model=list[CollectionOut])
def collections(user: Agent, services: Services) -> list[CollectionOut]:
    catalog = services.runtime.knowledge.catalog
    return [CollectionOut(name=row.name, groups=row.groups, documents=len(catalog.documents(row.name)))
            for row in catalog.collections() if user.can_read(row.groups)]


_UNAVAILABLE = {"gone": status.HTTP_410_GONE, "changed": status.HTTP_409_CONFLICT,
                "storage": status.HTTP_503_SERVICE_UNAVAILABLE, "no_page": status.HTTP_404_NOT_FOUND}


def _unavailable(exc: OriginalUnavailable) -> HTTPException:
    return HTTPException(_UNAVAILABLE[exc.reason], exc.message)


@router.get("/documents/{document_id}/file", summary="The original file, exactly as it was ingested")
def document_file(document_id: str, user: DownloadAgent, services: Services) -> FileResponse:
    document = readable_document(services, user, document_id)
    try:
        original = services.downloads.original(document)
    except OriginalUnavailable as exc:
        raise _unavailable(exc) from exc
    return FileResponse(original.path, media_type=original.media_type,
                        headers=original_headers(original.filename, original.inline))


@router.get("/documents/{document_id}/pages/{page}.png", summary="One page of a PDF, as an image")
def document_page(document_id: str, page: int, user: DownloadAgent, services: Services) -> FileResponse:
    document = readable_document(services, user, document_id)
    try:
        image = services.downloads.page_image(document, page)
    except OriginalUnavailable as exc:
        raise _unavailable(exc) from exc
    name = f"{document.source_name.rsplit('/', 1)[-1]}-page-{page}.png"
    return FileResponse(image, media_type="image/png", headers=original_headers(name, inline=True))


@router.get("/api/documents/{document_id}/chunks/{chunk_id}", summary="One passage of a document")
def document_chunk(document_id: str, chunk_id: str, user: Agent, services: Services) -> dict[str, Any]:
    document = readable_document(services, user, document_id)
    chunk = services.runtime.knowledge.chunks([chunk_id]).get(chunk_id)
    if chunk is None or chunk.document_id != document.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "passage introuvable")
    return {"document_id": document.id, "title": document.title, "source": document.source_name,
            "file_type": document.file_type, "page": chunk.page, "section": chunk.section, "text": chunk.text}
