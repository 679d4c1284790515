"""Administration (role `admin`): what a user can see, who may read a collection, the audit log, and
conversation metadata (content only if `privacy.admin_can_read_content`). Every call here is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.deps import Admin, Services
from assistant.api.guards import Trail
from assistant.identity.directory import DirectoryUnavailable, UnknownUser
from assistant.retrieval import UnknownCollection

router = APIRouter(prefix="/api/admin", tags=["administration"])
Username = Annotated[str, Path(min_length=1, max_length=200)]


class GroupsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    groups: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        max_length=500, description="Groups that may read the collection; empty: every authenticated agent.")


def _directory_error(error: Exception) -> HTTPException:
    if isinstance(error, UnknownUser):
        return HTTPException(status.HTTP_404_NOT_FOUND, "utilisateur inconnu de l'annuaire")
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"annuaire indisponible : {error}")


@router.get("/users/{username}/access", summary="What this user can see, as the service would grant it")
def user_access(username: Username, admin: Admin, services: Services) -> dict[str, Any]:
    try:
        return services.access.preview_access(username)
    except (UnknownUser, DirectoryUnavailable) as exc:
        raise _directory_error(exc) from exc


@router.get("/collections", summary="Every collection, with the groups that may read it")
def list_collections(admin: Admin, services: Services) -> list[dict[str, Any]]:
    return services.access.collections()


@router.put("/collections/{name}/groups", summary="Change who may read a collection (no re-embedding)")
def set_collection_groups(name: str, body: GroupsBody, admin: Admin, services: Services,
                          trail: Trail) -> dict[str, Any]:
    trail.target = "groups=" + ",".join(body.groups)
    try:
        return services.access.set_collection_groups(name, body.groups)
    except UnknownCollection as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "collection inconnue") from exc


@router.get("/audit", summary="Audit events, newest first")
def audit_events(
    admin: Admin, services: Services,
    user: Annotated[str | None, Query(max_length=200, description="Only this user's events.")] = None,
    since: Annotated[datetime | None, Query(description="From this time (ISO 8601; UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    events = services.audit.query(user, since, until, action, limit, offset)
    return {"events": [event.as_dict() for event in events], "limit": limit, "offset": offset}


@router.get("/conversations", summary="A user's conversations: ids, dates, message counts")
def user_conversations(
    admin: Admin, services: Services, user: Annotated[str, Query(min_length=1, max_length=200)],
) -> list[dict[str, Any]]:
    return services.access.conversations_of(user)
