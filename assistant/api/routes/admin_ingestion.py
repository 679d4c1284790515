"""Administration of the corpus (role `admin`): collections at a glance, ingestions of allowed folders started,
followed, cancelled, retried. Thin: `assistant/admin/ingestion.py` does the work. Audited as every
/api/admin/ route is (`assistant/api/guards.py`), with the folder and collection as the event's target."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from assistant.admin.folders import FolderRefused
from assistant.api.deps import Admin, Services
from assistant.api.guards import Trail
from assistant.collection_access import AccessChoiceError
from assistant.jobs.kinds import InvalidJob
from assistant.jobs.service import NothingToRetry, UnknownJob

router = APIRouter(prefix="/api/admin/ingestions", tags=["administration"])
JobId = Annotated[int, Path(ge=1, le=2**62)]
_Name = Annotated[str, Field(min_length=1, max_length=200)]


class IngestionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    folder: str = Field(min_length=1, max_length=4096, description="A folder inside one of admin.ingest_roots.")
    collection: _Name
    groups: list[_Name] | None = Field(None, max_length=500, description="Readers of a new collection; "
                                       "null or empty: keep an existing collection's.")
    public: bool = Field(False, description="A new collection readable by every agent.")
    sync: bool = Field(False, description="Also remove the collection's documents whose file is gone.")


def _not_found(exc: UnknownJob) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))


@router.get("/collections", summary="Collections: readers, document counts, last ingestion")
def ingestion_collections(admin: Admin, services: Services) -> dict[str, Any]:
    admin_service = services.ingestion_admin
    return {"collections": admin_service.collections(), "roots": admin_service.roots()}


@router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Start the ingestion of an allowed folder")
def start_ingestion(body: IngestionBody, admin: Admin, services: Services, trail: Trail) -> dict[str, Any]:
    trail.target = f"folder={body.folder} collection={body.collection}"
    try:
        return services.ingestion_admin.start(body.folder, body.collection, body.groups, body.public, body.sync,
                                              requested_by=admin.username)
    except (FolderRefused, AccessChoiceError, InvalidJob) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc


@router.get("", summary="Recent ingestions, newest first")
def recent_ingestions(admin: Admin, services: Services,
                      limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[dict[str, Any]]:
    return services.ingestion_admin.recent(limit)


@router.get("/{job_id}", summary="An ingestion's progress: files done / total, current file, ETA, failures")
def ingestion_status(job_id: JobId, admin: Admin, services: Services) -> dict[str, Any]:
    try:
        return services.ingestion_admin.status(job_id)
    except UnknownJob as exc:
        raise _not_found(exc) from exc


@router.post("/{job_id}/cancel", summary="Stop an ingestion between two files (what it committed stays)")
def cancel_ingestion(job_id: JobId, admin: Admin, services: Services) -> dict[str, Any]:
    try:
        return services.ingestion_admin.cancel(job_id)
    except UnknownJob as exc:
        raise _not_found(exc) from exc


@router.post("/{job_id}/retry", status_code=status.HTTP_202_ACCEPTED,
             summary="Ingest again the files that failed in a finished ingestion")
def retry_ingestion(job_id: JobId, admin: Admin, services: Services) -> dict[str, Any]:
    try:
        return services.ingestion_admin.retry_failed(job_id, requested_by=admin.username)
    except UnknownJob as exc:
        raise _not_found(exc) from exc
    except NothingToRetry as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
