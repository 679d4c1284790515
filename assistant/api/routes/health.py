"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from assistant.api.deps import Services

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Model and index loaded")
def readyz(services: Services, response: Response) -> dict[str, object]:
    checks: dict[str, object] = {"model": services.model.name}
    try:
        checks["index"] = services.runtime.knowledge.catalog.counts()
        ready = True
    except Exception as exc:  # any storage failure means "not ready", with its reason
        checks["index"] = f"unavailable: {exc.__class__.__name__}"
        ready = False
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "ready" if ready else "not ready", **checks}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(services: Services) -> Response:
    return Response(services.metrics.render(), media_type="text/plain; version=0.0.4")
