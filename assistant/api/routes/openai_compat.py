"""OpenAI-compatible endpoints, so that existing clients (openai SDK, LangChain, Open WebUI) work unchanged.

Answers come from the same RAG pipeline; the sources travel in an extra `sources` field.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.api.deps import Agent, Services
from assistant.api.guards import ChatAgent, Trail
from assistant.api.streaming import CHAT_ERRORS, Failure, failure_of, stream_failed
from assistant.audit import AuditTrail
from assistant.chat.service import ChatEvent, ChatRequest
from assistant.llm import ChatMessage
from assistant.retrieval import UnknownCollection

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODELS: dict[str, Literal["auto", "extractive", "generative"]] = {
    "assistant-rag": "auto", "assistant-rag-extractive": "extractive", "assistant-rag-generative": "generative",
}


# Bounds of a request (on top of server.max_body_bytes): the question as /api/chat's message, any other
# message (history, system prompt) a little longer, and the whole conversation sent.
MAX_MESSAGES = 50
MAX_QUESTION_CHARS = 4000
MAX_MESSAGE_CHARS = 8000
MAX_TOTAL_CHARS = 32_000


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(max_length=32)
    content: str | Annotated[list[dict[str, Any]], Field(max_length=64)] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""

    @model_validator(mode="after")
    def _bounded(self) -> OpenAIMessage:
        if len(self.text()) > MAX_MESSAGE_CHARS:
            raise ValueError(f"a message has at most {MAX_MESSAGE_CHARS} characters")
        return self


class CompletionBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(max_length=200)
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    collections: list[str] | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _bounded(self) -> CompletionBody:
        if sum(len(message.text()) for message in self.messages) > MAX_TOTAL_CHARS:
            raise ValueError(f"the messages have at most {MAX_TOTAL_CHARS} characters in all")
        questions = [message for message in self.messages if message.role == "user"]
        if questions and len(questions[-1].text()) > MAX_QUESTION_CHARS:
            raise ValueError(f"the question (last user message) has at most {MAX_QUESTION_CHARS} characters")
        return self


def _error(status_code: int, message: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": None}}, status_code, headers=headers)


def _refusal(error: BaseException) -> JSONResponse:
    failure = failure_of(error)
    kind = "invalid_request_error" if isinstance(error, UnknownCollection) else "server_error"
    return _error(failure.status, failure.message, kind, failure.headers)


@router.get("/models")
def list_models(user: Agent) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "assistant"}
                                       for name in MODELS]}


def _chat_request(body: CompletionBody) -> ChatRequest | None:
    turns = [m for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        return None
    history = [ChatMessage("user" if m.role == "user" else "assistant", m.text()) for m in turns[:-1]]
    return ChatRequest(turns[-1].text(), None, body.collections, MODELS[body.model], history, persist=False)


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: CompletionBody, user: ChatAgent, services: Services, trail: Trail
) -> JSONResponse | StreamingResponse:
    if body.model not in MODELS:
        return _error(404, f"model '{body.model}' not found; available: {', '.join(MODELS)}", "invalid_request_error")
    request = _chat_request(body)
    if request is None:
        return _error(400, "the last message must be a non-empty user message", "invalid_request_error")
    events = trail.observe(services.chat.stream(user, request), request.message)
    try:
        services.chat.check_room(request.mode)
        first = await anext(events)  # the collections are checked before the first event: 404 before a 200
        if body.stream:
            return StreamingResponse(_stream(first, events, body.model, trail), media_type="text/event-stream")
        answer, sources, usage = await _collect(services, _chained(first, events))
    except CHAT_ERRORS as error:
        return _refusal(error)
    return JSONResponse({
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
        "model": body.model, "sources": sources, "usage": usage,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}],
    })


async def _chained(first: ChatEvent, events: AsyncIterator[ChatEvent]) -> AsyncIterator[ChatEvent]:
    yield first
    async for event in events:
        yield event


async def _collect(services: Services, events: AsyncIterator[ChatEvent]) -> tuple[str, list[Any], dict[str, int]]:
    answer, sources = "", []
    async for event in events:
        if event.kind == "sources":
            sources = event.data["sources"]
        elif event.kind == "done":
            answer = event.data["answer"]
    tokens = services.model.count_tokens(answer)
    return answer, sources, {"prompt_tokens": 0, "completion_tokens": tokens, "total_tokens": tokens}


def _error_event(failure: Failure) -> str:
    """An OpenAI-style error in the stream: the SDKs raise it (a plain stop would pass for an answer)."""
    error = {"message": failure.message, "type": "server_error", "code": failure.status}
    return f"data: {json.dumps({'error': error}, ensure_ascii=False)}\n\n"


async def _stream(
    first: ChatEvent, events: AsyncIterator[ChatEvent], model: str, trail: AuditTrail
) -> AsyncIterator[str]:
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    sources: list[Any] = []
    streamed = False
    try:
        async for event in _chained(first, events):
            if event.kind == "sources":
                sources = event.data["sources"]
            elif event.kind == "token":
                streamed = True
                yield chunk({"content": event.data["text"]})
            elif event.kind == "replace":  # sent text cannot be withdrawn: what replaces it follows it
                yield chunk({"content": ("\n\n" if streamed else "") + event.data["answer"]})
    except Exception as error:  # the 200 is gone: an error event, and the real outcome in the audit trail
        yield _error_event(stream_failed(trail, error))
        yield "data: [DONE]\n\n"
        return
    yield chunk({}, "stop", sources=sources)
    yield "data: [DONE]\n\n"
