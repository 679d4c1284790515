"""Before a route reads a request body: the body's size is capped, and the caller is authenticated.

FastAPI reads and parses a JSON body before it solves a route's dependencies, so an authentication
dependency alone would let anonymous callers make the service read, hold and parse their bodies (and
answer 422 with the parser's findings). `AuthenticateBeforeBody` therefore authenticates at the first
read of the body of a route that needs a principal: a refusal is raised there, where the app's exception
handlers answer it (401 JSON, or the login redirect for a page), and not one byte of the body is read.
The principal is left in `request.state.principal`, where `deps.get_current_user` finds it.

`BodySizeLimit` refuses a body larger than `server.max_body_bytes` with 413: on its Content-Length before
anything else runs, and on the bytes actually received for a chunked body (uvicorn sets no limit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.principal import Principal

log = logging.getLogger(__name__)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413,
                         f"corps de requête trop volumineux : {limit} octets au plus")


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received, started = 0, False

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)  # the app's handlers answer it (FastAPI re-raises it)
            return message

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, watching)
        except BodyTooLarge:  # read outside a route (a middleware): answered here
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = BodyTooLarge(self.max_bytes)
        await JSONResponse({"detail": error.detail}, error.status_code, headers={"Connection": "close"})(
            scope, receive, send)


def needs_principal(route: Any, target: Callable[..., Any]) -> bool:
    """Whether `target` (the current-user dependency) is anywhere in the route's dependency tree."""
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        if dependant.call is target:
            return True
        stack.extend(dependant.dependencies)
    return False


class AuthenticateBeforeBody:
    def __init__(self, app: ASGIApp, current_user: Callable[..., Any]) -> None:
        self.app, self._current_user = app, current_user

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        checked = False

        async def authenticated_first() -> Message:
            nonlocal checked
            if not checked:
                checked = True
                await self._authenticate(scope)
            return await receive()

        await self.app(scope, authenticated_first, send)

    async def _authenticate(self, scope: Scope) -> None:
        """At the first read of the body: the route is known by then (the router has matched it)."""
        app = scope["app"]
        # A replaced current-user dependency (FastAPI's dependency_overrides) is the one that decides.
        if not needs_principal(scope.get("route"), self._current_user) or \
                self._current_user in app.dependency_overrides:
            return
        state = scope.setdefault("state", {})
        if isinstance(state.get("principal"), Principal):
            return
        try:
            principal = await run_in_threadpool(app.state.authenticator.authenticate, Request(scope))
        except HTTPException:  # 401, 403, 503: to the app's handlers, the body unread
            raise
        except Exception as exc:  # FastAPI would call anything else from a body read "a malformed body" (400)
            log.exception("authentication failed")
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "authentification impossible") from exc
        state["principal"] = principal
