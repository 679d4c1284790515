"""What every request goes through besides its route: the audit trail, request ids, JSON request lines,
and the per-user rate limits of the expensive endpoints.

Which endpoints are audited is decided here, in one table, so that no route can forget it: the
middleware records an event when the response has been sent (streams included), with the status code,
even when the route failed or refused (403, 404...). Routes only add what they alone know (the
collections searched, the documents retrieved and cited) through the `Trail` dependency.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import anyio
from fastapi import Depends, HTTPException, Request, status
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.deps import Agent, Services
from assistant.audit import AuditEvent, AuditTrail
from assistant.jsonlog import LogContext, current_context
from assistant.principal import Principal
from assistant.ratelimit import Kind, RateLimitExceeded

log = logging.getLogger("assistant.requests")
_TRAIL = "audit_trail"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# "METHOD route template" -> audit action. Routes under /api/admin/ are all audited ("admin.<function>").
AUDITED_ROUTES = {
    "POST /api/chat": "chat",
    "POST /api/chat/stream": "chat.stream",
    "POST /v1/chat/completions": "openai.completion",
    "GET /api/search": "search",
    "GET /documents/{document_id}/file": "document.file",
    "GET /documents/{document_id}/pages/{page}.png": "document.page",
    "GET /api/documents/{document_id}/chunks/{chunk_id}": "document.chunk",
    "GET /documents/{document_id}/view": "document.view",
    "GET /api/conversations/{conversation_id}": "conversation.read",
    "DELETE /api/conversations/{conversation_id}": "conversation.delete",
    "GET /api/me/export": "export",
    "DELETE /api/me/conversations": "conversation.delete_all",
    "POST /api/data/ask": "data.ask",
    "POST /api/data/export": "data.export",
    "GET /api/data/datasets": "data.datasets",
    "GET /api/data/datasets/{name}": "data.dataset",
}


def action_for(method: str, route: Any) -> str | None:
    path = getattr(route, "path", None)
    if path is None:
        return None
    if path.startswith("/api/admin/"):
        return f"admin.{getattr(route, 'name', 'action')}"
    return AUDITED_ROUTES.get(f"{method} {path}")


def trail_of(scope: Scope) -> AuditTrail:
    trail = scope.get("state", {}).get(_TRAIL)
    return trail if isinstance(trail, AuditTrail) else AuditTrail("-")


def current_trail(request: Request) -> AuditTrail:
    return trail_of(request.scope)


Trail = Annotated[AuditTrail, Depends(current_trail)]


def _request_id(scope: Scope) -> str:
    """A reverse proxy's X-Request-ID is kept when it looks like one, so that its logs and ours match."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trail = AuditTrail(_request_id(scope))
        scope.setdefault("state", {})[_TRAIL] = trail
        context = LogContext(trail.request_id)
        token = current_context.set(context)
        outcome = {"status": 500, "started": time.perf_counter()}
        try:
            await self.app(scope, receive, _tagging(send, trail.request_id, outcome))
        finally:
            with anyio.CancelScope(shield=True):
                await _finish(scope, trail, context, outcome)
            current_context.reset(token)


def _tagging(send: Send, request_id: str, outcome: dict[str, Any]) -> Callable[[Message], Awaitable[None]]:
    async def send_tagged(message: Message) -> None:
        if message["type"] == "http.response.start":
            outcome["status"] = message["status"]
            MutableHeaders(scope=message).append("X-Request-ID", request_id)
        await send(message)

    return send_tagged


async def _finish(scope: Scope, trail: AuditTrail, context: LogContext, outcome: dict[str, Any]) -> None:
    principal = scope.get("state", {}).get("principal")
    route, method = scope.get("route"), scope["method"]
    status_code = trail.status or int(outcome["status"])  # a stream that broke after its 200 is no success
    context.username = principal.username if isinstance(principal, Principal) else None
    action = action_for(method, route)
    path = getattr(route, "path", "unmatched")
    log.info("%s %s %s", method, path, status_code, extra={
        "event": "request", "method": method, "route": path, "status": status_code, "action": action,
        "duration_ms": round((time.perf_counter() - outcome["started"]) * 1000, 1)})
    services = getattr(scope["app"].state, "services", None)
    if action is None or context.username is None or services is None:
        return
    event = _event(scope, trail, context.username, action, f"{method} {path}", status_code)
    try:
        await asyncio.to_thread(services.audit.record, event)
    except Exception as exc:  # the response is gone already: say it loudly, without the row's data
        log.error("audit event not recorded (%s)", exc.__class__.__name__, extra={"action": action})


def _event(scope: Scope, trail: AuditTrail, username: str, action: str, endpoint: str, code: int) -> AuditEvent:
    params: dict[str, str] = {key: str(value) for key, value in scope.get("path_params", {}).items()}
    target = " ".join([*(f"{key}={value}" for key, value in params.items()), trail.target]).strip()
    retrieved = [params["document_id"], *trail.retrieved] if "document_id" in params else trail.retrieved
    return AuditEvent(username, action, endpoint, code, trail.request_id, target, trail.collections,
                      retrieved, trail.cited, trail.question)


def _quota(kind: Kind) -> Callable[[Principal, Services], Awaitable[Principal]]:
    async def check(user: Agent, services: Services) -> Principal:
        try:
            await asyncio.to_thread(services.limiter.check, kind, user.username)  # a database write
        except RateLimitExceeded as exc:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, exc.message,
                                headers={"Retry-After": exc.retry_after_header}) from exc
        return user

    return check


# An agent, counted against their chat (search, download) rate limit: 429 with Retry-After when over it.
ChatAgent = Annotated[Principal, Depends(_quota("chat"))]
SearchAgent = Annotated[Principal, Depends(_quota("search"))]
DownloadAgent = Annotated[Principal, Depends(_quota("download"))]
