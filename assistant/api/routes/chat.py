"""Chat: one JSON answer, or the same as Server-Sent Events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import StreamingResponse

from assistant.api.deps import Services
from assistant.api.guards import ChatAgent, Trail
from assistant.api.schemas import ChatAnswer, ChatBody, Source
from assistant.chat.service import ChatRequest
from assistant.conversations import NotFound
from assistant.llm import QueueFull
from assistant.retrieval import UnknownCollection

router = APIRouter(prefix="/api", tags=["chat"])


def _request(body: ChatBody) -> ChatRequest:
    return ChatRequest(body.message, body.conversation_id, body.collections, body.mode)


def _refuse_when_full(services: Services) -> None:
    gate = services.gate
    if gate.stats.waiting >= gate.max_queue and gate.stats.active >= gate.concurrency:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "le modèle est occupé, réessayez",
                            headers={"Retry-After": str(gate.retry_after_s())})


def _http_error(error: QueueFull | NotFound | UnknownCollection) -> HTTPException:
    if isinstance(error, QueueFull):
        return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "le modèle est occupé, réessayez",
                             headers={"Retry-After": str(error.retry_after_s)})
    if isinstance(error, NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, "conversation introuvable")
    return HTTPException(status.HTTP_404_NOT_FOUND, str(error))


@router.post("/chat", response_model=ChatAnswer, summary="Ask a question, get a grounded answer")
async def chat(body: ChatBody, user: ChatAgent, services: Services, trail: Trail) -> ChatAnswer:
    _refuse_when_full(services)
    sources: list[Source] = []
    try:
        async for event in trail.observe(services.chat.stream(user, _request(body)), body.message):
            if event.kind == "sources":
                sources = [Source(**source) for source in event.data["sources"]]
            elif event.kind == "done":
                services.metrics.answers.labels(event.data["mode"]).inc()
                return ChatAnswer(sources=sources, **event.data)
    except (QueueFull, NotFound, UnknownCollection) as error:
        raise _http_error(error) from error
    raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "la réponse n'a pas pu être produite")


def _sse(event: str, data: dict[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.post("/chat/stream", summary="The same answer, streamed as Server-Sent Events",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "events: meta, sources, token (repeated), done; or error"}})
async def chat_stream(body: ChatBody, user: ChatAgent, services: Services, trail: Trail) -> StreamingResponse:
    _refuse_when_full(services)
    events = trail.observe(services.chat.stream(user, _request(body)), body.message)
    try:
        first = await anext(events)  # fail before the 200 when the conversation or collection is wrong
    except (NotFound, UnknownCollection) as error:
        raise _http_error(error) from error

    async def body_stream() -> AsyncIterator[str]:
        yield _sse(first.kind, first.data)
        try:
            async for event in events:
                if event.kind == "done":
                    services.metrics.answers.labels(event.data["mode"]).inc()
                yield _sse(event.kind, event.data)
        except QueueFull as error:
            yield _sse("error", {"message": "le modèle est occupé, réessayez", "retry_after": error.retry_after_s})

    return StreamingResponse(body_stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})



