"""`create_app(settings)`: the FastAPI application, with nothing built at import time."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from assistant.api import docs
from assistant.api.auth import Authenticator, build_authenticator
from assistant.api.deps import get_current_user
from assistant.api.guards import AuditMiddleware
from assistant.api.intake import AuthenticateBeforeBody, BodySizeLimit
from assistant.api.routes import (
    admin,
    admin_ingestion,
    auth,
    chat,
    conversations,
    data,
    documents,
    health,
    openai_compat,
)
from assistant.api.services import AppServices, build_services
from assistant.config import Settings
from assistant.identity.guard import check_auth_configuration
from assistant.runtime import Runtime
from assistant.web import mount_web


def create_app(
    settings: Settings, services: AppServices | None = None, authenticator: Authenticator | None = None
) -> FastAPI:
    """Build the app; `services` and `authenticator` default to the configured ones, built at start-up."""
    check_auth_configuration(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = app.state.services is None
        if built:
            app.state.services = build_services(Runtime(settings))
        if app.state.authenticator is None:
            app.state.authenticator = build_authenticator(settings, app.state.services.runtime.database)
        yield
        if built:  # injected services belong to whoever built them
            app.state.services.runtime.close()

    app = FastAPI(
        title="Assistant IA de la collectivité",
        description="Réponses sourcées à partir des documents internes, sur les serveurs de la collectivité.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url=None,  # served by assistant/api/docs.py, for admins, offline
    )
    app.state.settings = settings
    app.state.services = services
    app.state.authenticator = authenticator
    for module in (health, auth, chat, conversations, documents, openai_compat, admin, admin_ingestion, data, docs):
        app.include_router(module.router)
    mount_web(app)
    app.add_middleware(AuthenticateBeforeBody, current_user=get_current_user)  # innermost: the route is known
    # Inside _measure: a BaseHTTPMiddleware would wrap a refusal raised by `receive` in an exception group.
    app.add_middleware(BodySizeLimit, max_bytes=settings.server.max_body_bytes)
    app.middleware("http")(_measure)
    app.add_middleware(AuditMiddleware)  # outermost: sees the final status, and streams until their end
    return app


async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    services: AppServices | None = getattr(request.app.state, "services", None)
    route = request.scope.get("route")
    if services is not None and route is not None:
        path = getattr(route, "path", "other")
        services.metrics.requests.labels(path, str(response.status_code)).inc()
        services.metrics.latency.labels(path).observe(time.perf_counter() - started)
    return response
