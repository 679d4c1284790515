"""Chat: one JSON answer, or the same as Server-Sent Events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import StreamingResponse

from assistant.api.deps import Services
from assistant.api.guards import ChatAgent, Trail
from assistant.api.schemas import ChatAnswer, ChatBody, Source
from assistant.api.streaming import CHAT_ERRORS, failure_of, stream_failed
from assistant.chat.service import ChatRequest

router = APIRouter(prefix="/api", tags=["chat"])


def _request(body: ChatBody) -> ChatRequest:
    return ChatRequest(body.message, body.conversation_id, body.collections, body.mode)


def _http_error(error: BaseException) -> HTTPException:
    failure = failure_of(error)
    return HTTPException(failure.status, failure.message, headers=failure.headers)


def _refuse_when_full(services: Services, body: ChatBody) -> None:
    try:
        services.chat.check_room(body.mode)
    except CHAT_ERRORS as error:
        raise _http_error(error) from error


@router.post("/chat", response_model=ChatAnswer, summary="Ask a question, get a grounded answer")
async def chat(body: ChatBody, user: ChatAgent, services: Services, trail: Trail) -> ChatAnswer:
    _refuse_when_full(services, body)
    sources: list[Source] = []
    try:
        async for event in trail.observe(services.chat.stream(user, _request(body)), body.message):
            if event.kind == "sources":
                sources = [Source(**source) for source in event.data["sources"]]
            elif event.kind == "done":
                services.metrics.answers.labels(event.data["mode"]).inc()
                return ChatAnswer(sources=sources, **event.data)
    except CHAT_ERRORS as error:
        raise _http_error(error) from error
    raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "la réponse n'a pas pu être produite")


def _sse(event: str, data: dict[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.post("/chat/stream", summary="The same answer, streamed as Server-Sent Events",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "events: meta, sources, token (repeated), done; a `replace` "
                                             "event (its `answer` is the whole text to show instead of the "
                                             "tokens so far) when a generated answer fails the grounding "
                                             "check; or, when the answer fails once streaming has begun, a "
                                             "last `error` event"}})
async def chat_stream(body: ChatBody, user: ChatAgent, services: Services, trail: Trail) -> StreamingResponse:
    _refuse_when_full(services, body)
    events = trail.observe(services.chat.stream(user, _request(body)), body.message)
    try:
        first = await anext(events)  # the service checks the collections and the conversation first
    except CHAT_ERRORS as error:
        raise _http_error(error) from error

    async def body_stream() -> AsyncIterator[str]:
        yield _sse(first.kind, first.data)
        try:
            async for event in events:
                if event.kind == "done":
                    services.metrics.answers.labels(event.data["mode"]).inc()
                yield _sse(event.kind, event.data)
        except Exception as error:  # the 200 is gone: say it in the stream, and in the audit trail
            yield _sse("error", stream_failed(trail, error).event())

    return StreamingResponse(body_stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
