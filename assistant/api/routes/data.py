"""Territorial analysis (role `analyst`): questions on the datasets, the query builder, exports, the readable
datasets; and their administration (role `admin`, under /api/admin/, audited like every admin route)."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.admin.folders import FolderRefused
from assistant.analysis.answers import DataAnswer
from assistant.analysis.exports import MEDIA_TYPES, NothingToExport, export
from assistant.analysis.service import UnknownDataset
from assistant.analysis.spec import QuerySpec
from assistant.analysis.sqlcheck import SqlRejected
from assistant.analysis.warehouse import QueryFailed, QueryTimeout
from assistant.api.deps import Admin, Services, require_role
from assistant.api.download_headers import content_disposition
from assistant.api.guards import Trail
from assistant.jobs.kinds import InvalidJob
from assistant.jobs.service import UnknownJob
from assistant.principal import Principal
from assistant.ratelimit import RateLimitExceeded

router = APIRouter(tags=["analyse territoriale"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]


def _quota(user: Analyst, services: Services) -> Principal:
    try:
        services.limiter.check("search", user.username)
    except RateLimitExceeded as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, exc.message,
                            headers={"Retry-After": exc.retry_after_header}) from exc
    return user


CountedAnalyst = Annotated[Principal, Depends(_quota)]


class AskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str | None = Field(None, min_length=1, max_length=1000, description="The question, in French.")
    spec: QuerySpec | None = Field(None, description="Or a structured query (the page's query builder).")
    render_chart: bool = Field(False, description="Also render the chart as SVG on the server (`chart_svg`).")

    @model_validator(mode="after")
    def _one(self) -> AskBody:
        if (self.question is None) == (self.spec is None):
            raise ValueError("give either a question or a spec")
        return self


def _answer(body: AskBody, user: Principal, services: Services, trail: Trail, render: bool) -> DataAnswer:
    analysis = services.analysis
    try:
        if body.question is not None:
            trail.question = body.question
            answer = analysis.ask(user, body.question, render=render)
        else:
            assert body.spec is not None
            answer = analysis.run_spec(user, body.spec, render=render)
    except QueryTimeout as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "la requête a pris trop de temps : affinez la "
                            "question", headers={"Retry-After": "5"}) from exc
    except (SqlRejected, QueryFailed) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"requête refusée : {exc}") from exc
    trail.collections = [d["name"] for d in answer.datasets]
    return answer


@router.post("/api/data/ask", summary="Answer a data question (or a structured query) with exact figures")
def ask(body: AskBody, user: CountedAnalyst, services: Services, trail: Trail) -> dict[str, Any]:
    answer = _answer(body, user, services, trail, body.render_chart)
    payload = answer.payload()
    if answer.chart_svg is not None:
        payload["chart_svg"] = "data:image/svg+xml;base64," + base64.b64encode(answer.chart_svg.encode()).decode()
    return payload


@router.post("/api/data/export", summary="The same answer as a CSV, XLSX or PNG file")
def export_answer(body: AskBody, user: CountedAnalyst, services: Services, trail: Trail,
                  file_format: Annotated[Literal["csv", "xlsx", "png"], Query(alias="format")] = "csv") -> Response:
    answer = _answer(body, user, services, trail, render=False)
    try:
        content = export(answer, file_format)
    except NothingToExport as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return Response(content, media_type=MEDIA_TYPES[file_format],
                    headers={"Content-Disposition": content_disposition(f"analyse.{file_format}", inline=False),
                             "X-Content-Type-Options": "nosniff"})


@router.get("/api/data/datasets", summary="The datasets this analyst may read")
def readable_datasets(user: Analyst, services: Services) -> list[dict[str, Any]]:
    return [_public(d.summary(), user) for d in services.analysis.readable(user)]


@router.get("/api/data/datasets/{name}", summary="One readable dataset: its card and columns")
def readable_dataset(name: str, user: Analyst, services: Services) -> dict[str, Any]:
    try:
        dataset = services.analysis.dataset(user, name)
    except UnknownDataset as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "jeu de données introuvable") from exc
    return {**_public(dataset.summary(), user), "card": dataset.card.model_dump(mode="json", exclude_defaults=True),
            "columns": dataset.columns}


@router.get("/api/data/vocabulary", summary="Measures and territories for the query builder (readable data only)")
def vocabulary(user: Analyst, services: Services,
               q: Annotated[str, Query(max_length=100, description="Territory names starting so.")] = "",
               ) -> dict[str, Any]:
    context = services.analysis.context(user)
    measures = [{"key": m.key, "label": m.label, "unit": m.unit, "years": m.years}
                for m in sorted(context.semantics.measures.values(), key=lambda m: m.label)]
    return {"measures": measures, "territories": services.analysis.territories(user, q) if q else []}


def _public(summary: dict[str, Any], user: Principal) -> dict[str, Any]:
    """The server path of a dataset's file is for admins."""
    return summary if user.is_admin else {k: v for k, v in summary.items() if k != "source"}


class AddBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, max_length=4000, description="The file on the server (CSV, XLSX, ODS, "
                      "Parquet), inside one of admin.ingest_roots.")
    card_path: str | None = Field(None, max_length=4000, description="Its card (YAML), inside the same roots.")
    name: str | None = Field(None, max_length=63)
    groups: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(None, max_length=500)
    public: bool = False


class DatasetGroupsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    groups: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        max_length=500, description="Groups that may read the dataset; empty: every analyst.")


@router.get("/api/admin/datasets", summary="Every dataset, with its readers")
def list_datasets(admin: Admin, services: Services) -> list[dict[str, Any]]:
    return [d.summary() for d in services.analysis.catalog.datasets()]


@router.post("/api/admin/datasets", status_code=status.HTTP_202_ACCEPTED,
             summary="Queue the loading of a file of an allowed folder (admin.ingest_roots) into the catalogue")
def add_dataset(body: AddBody, admin: Admin, services: Services, trail: Trail) -> dict[str, Any]:
    trail.target = f"path={body.path}"
    try:
        return services.dataset_admin.start(body.path, body.card_path, body.name, body.groups, body.public,
                                            requested_by=admin.username)
    except (FolderRefused, InvalidJob) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc


@router.get("/api/admin/datasets/loadings/{job_id}", summary="A loading's progress and, once done, its outcome")
def dataset_loading(job_id: Annotated[int, PathParam(ge=1, le=2**62)], admin: Admin,
                    services: Services) -> dict[str, Any]:
    try:
        return services.dataset_admin.status(job_id)
    except UnknownJob as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.put("/api/admin/datasets/{name}/groups", summary="Change who may read a dataset")
def set_dataset_groups(name: str, body: DatasetGroupsBody, admin: Admin, services: Services,
                       trail: Trail) -> dict[str, Any]:
    trail.target = "groups=" + ",".join(body.groups)
    try:
        return services.analysis.set_groups(name, body.groups).summary()
    except UnknownDataset as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "jeu de données inconnu") from exc


@router.delete("/api/admin/datasets/{name}", summary="Remove a dataset and its table")
def remove_dataset(name: str, admin: Admin, services: Services) -> dict[str, Any]:
    try:
        return services.analysis.remove(name).summary()
    except UnknownDataset as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "jeu de données inconnu") from exc
