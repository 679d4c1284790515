"""The chat service: one question in, a stream of events out (sources, answer text, final citations).

It knows nothing of HTTP: the web routes, the OpenAI-compatible API and the CLI all consume these events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from assistant.chat.citations import clean_citations
from assistant.chat.context import build_answer_messages, clean_history, heuristic_standalone_question
from assistant.chat.copies import merge_copies
from assistant.chat.extractive import best_quotes
from assistant.chat.grounding import GroundingCheck, StreamGate
from assistant.chat.history import ConversationHistory
from assistant.chat.prompts import PromptLibrary
from assistant.config import ChatSettings
from assistant.conversations import ConversationStore
from assistant.embeddings import EmbeddingModel
from assistant.llm import ChatMessage, ChatModel, LLMSettings, ModelGate, resolve_answer_mode, stream_in_thread
from assistant.llm.control_tokens import ControlTokens
from assistant.llm.settings import is_capable
from assistant.principal import Principal
from assistant.retrieval import Passage, RetrievalService

log = logging.getLogger("assistant.chat")

if TYPE_CHECKING:
    from assistant.analysis.mixed import DataCompanion

RequestedMode = Literal["auto", "extractive", "generative"]


@dataclass(frozen=True)
class ChatRequest:
    message: str
    conversation_id: str | None = None
    collections: Sequence[str] | None = None
    mode: RequestedMode | None = None
    history: Sequence[ChatMessage] | None = None  # given by stateless clients (OpenAI API)
    persist: bool = True


@dataclass(frozen=True)
class ChatEvent:
    # `replace`: the text streamed so far is withdrawn; `answer` is the whole text to show instead.
    kind: Literal["meta", "sources", "token", "replace", "data", "done"]
    data: dict[str, Any]


@dataclass
class _Turn:
    request: ChatRequest
    principal: Principal
    mode: str
    conversation_id: str | None = None
    history: list[ChatMessage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    answer: str = ""
    cited: list[int] = field(default_factory=list)
    grounding: dict[str, object] | None = None  # the guard's verdict on a generated answer


_MAYBE_USEFUL = 3
_COPIES_HEADROOM = 2  # passages asked of the search per passage shown, so that copies leave room


def _viewer_url(passage: Passage) -> str:
    url = f"/documents/{passage.document_id}/view?chunk={passage.chunk_id}"
    return f"{url}&page={passage.page}" if passage.page else url


def source_payload(number: int, passage: Passage, also_at: Sequence[Passage] = ()) -> dict[str, Any]:
    url = _viewer_url(passage)
    return {
        "number": number, "document_id": passage.document_id, "chunk_id": passage.chunk_id,
        "title": passage.title, "source": passage.source, "collection": passage.collection,
        "page": passage.page, "section": passage.section, "snippet": passage.text[:700],
        "score": round(passage.score, 5),
        "similarity": None if passage.dense_similarity is None else round(passage.dense_similarity, 4),
        "url": url,
        "also_at": [_document_reference(copy) for copy in also_at],
    }


def _document_reference(passage: Passage) -> dict[str, Any]:
    """Where a passage is, without its text: a copy listed under a source, a « peut-être utile » document."""
    return {"document_id": passage.document_id, "collection": passage.collection, "title": passage.title,
            "source": passage.source, "page": passage.page, "url": _viewer_url(passage)}


def _closest_documents(passages: Sequence[Passage], count: int = _MAYBE_USEFUL) -> list[dict[str, Any]]:
    """When nothing answers: the closest documents, offered as « peut-être utile », never quoted."""
    first_of: dict[str, Passage] = {}
    for item in merge_copies(passages):
        first_of.setdefault(item.passage.document_id, item.passage)
    return [_document_reference(passage) for passage in list(first_of.values())[:count]]


class ChatService:
    def __init__(
        self, retrieval: RetrievalService, embeddings: EmbeddingModel, model: ChatModel, gate: ModelGate,
        prompts: PromptLibrary, conversations: ConversationStore, llm: LLMSettings, chat: ChatSettings,
    ) -> None:
        self._retrieval, self._embeddings, self._model, self._gate = retrieval, embeddings, model, gate
        self._prompts, self._conversations, self._llm, self._settings = prompts, conversations, llm, chat
        self.history = ConversationHistory(conversations, retrieval)
        # Extractive answers embed up to `extractive_max_sentences` sentences each: bounded like generations.
        self.extractive_gate = ModelGate(concurrency=chat.extractive_concurrency,
                                         max_queue=chat.extractive_max_queue, expected_hold_s=2.0)
        self._control: ControlTokens | None = None
        # Answers the data part of a mixed question (assistant.analysis.mixed), when the service has one.
        self.data_companion: DataCompanion | None = None

    @property
    def control_tokens(self) -> ControlTokens:
        """The model's control tokens and the common templates' ones, stripped from what enters a prompt."""
        if self._control is None:
            self._control = ControlTokens(self._model.control_tokens())
        return self._control

    def check_room(self, mode: RequestedMode | None) -> None:
        """Raise QueueFull if the queue this answer would wait in is full (a 503 before any stream)."""
        gate = self._gate if resolve_answer_mode(self._llm, mode) == "generative" else self.extractive_gate
        gate.check_room()

    async def stream(self, principal: Principal, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        """Raises UnknownCollection or NotFound before its first event (so before any HTTP 200)."""
        turn = _Turn(request, principal, resolve_answer_mode(self._llm, request.mode))
        started = time.perf_counter()
        if request.collections:  # refused before anything is stored or streamed
            await asyncio.to_thread(self._retrieval.readable_collections, principal, request.collections)
        await asyncio.to_thread(self._open_conversation, turn)
        question = await self._standalone_question(turn)
        yield ChatEvent("meta", {"conversation_id": turn.conversation_id, "mode": turn.mode,
                                 "standalone_question": question})
        clock = time.perf_counter()
        wanted = self._settings.context_passages
        result = await asyncio.to_thread(  # more than shown: copies of one text count once
            self._retrieval.search, question, principal, request.collections, wanted * _COPIES_HEADROOM)
        turn.timings["retrieval_ms"] = (time.perf_counter() - clock) * 1000
        unique = merge_copies(result.passages, wanted) if self._is_grounded(result.passages) else []
        passages = [item.passage for item in unique]
        copies = {item.passage.chunk_id: item.also_at for item in unique}
        maybe_useful = [] if unique else _closest_documents(result.passages)
        messages: list[ChatMessage] = []
        if passages and turn.mode == "generative":
            messages, used = await self._prompt(turn, question, passages)
            passages = passages[:used]  # only what the model sees may be cited
        sources = [source_payload(n, p, copies.get(p.chunk_id, ())) for n, p in enumerate(passages, start=1)]
        yield ChatEvent("sources", {"sources": sources, "collections": result.collections,
                                    "maybe_useful": maybe_useful})
        if not passages:
            turn.answer = self._prompts.render("no_answer.j2", question=request.message)
            turn.mode = "none"
            yield ChatEvent("token", {"text": turn.answer})
        elif turn.mode == "extractive":
            turn.answer, turn.cited = await self._extractive(question, passages)
            yield ChatEvent("token", {"text": turn.answer})
        else:
            async for event in self._guarded_generation(turn, question, messages, passages):
                yield event
        data = await asyncio.to_thread(self.data_companion.answer, principal, request.message) \
            if self.data_companion is not None else None
        if data is not None:
            from assistant.analysis.mixed import appended_text

            turn.answer += appended_text(data)
            yield ChatEvent("data", data)
        turn.timings["total_ms"] = (time.perf_counter() - started) * 1000
        message_id = await asyncio.to_thread(self._save_answer, turn, sources)
        yield ChatEvent("done", {
            "message_id": message_id, "conversation_id": turn.conversation_id, "answer": turn.answer,
            "citations": turn.cited, "mode": turn.mode, "grounded": bool(passages), "grounding": turn.grounding,
            "data": data, "maybe_useful": maybe_useful,
            "timings": {k: round(v, 1) for k, v in turn.timings.items()},
        })

    def _is_grounded(self, passages: Sequence[Passage]) -> bool:
        best = max((p.dense_similarity or 0.0 for p in passages), default=0.0)
        return best >= self._settings.min_similarity

    def _open_conversation(self, turn: _Turn) -> None:
        request, owner = turn.request, turn.principal.username
        if request.history is not None:
            turn.history = list(request.history)[-self._settings.history_messages:]
        elif request.conversation_id:  # as the user may see it now: no answer from a source now forbidden
            stored = self.history.messages(turn.principal, request.conversation_id)
            turn.history = [ChatMessage("user" if m.role == "user" else "assistant", m.content)
                            for m in stored][-self._settings.history_messages:]
        if not request.persist:
            return
        turn.conversation_id = request.conversation_id or self._conversations.create(owner, request.message).id
        self._conversations.add_message(owner, turn.conversation_id, "user", request.message)

    async def _standalone_question(self, turn: _Turn) -> str:
        question = turn.request.message
        if not turn.history:
            return question
        if turn.mode != "generative" or not is_capable(self._llm):
            return heuristic_standalone_question(question, turn.history)
        prompt = self._prompts.render("condense.user.j2", history=clean_history(turn.history, self.control_tokens),
                                      question=self.control_tokens.remove(question))
        async with self._gate.slot():
            completion = await asyncio.to_thread(
                self._model.chat, [ChatMessage("user", prompt)], max_tokens=96, temperature=0.0)
        rewritten = completion.text.strip().splitlines()[0] if completion.text.strip() else ""
        return rewritten or question

    async def _extractive(self, question: str, passages: list[Passage]) -> tuple[str, list[int]]:
        async with self.extractive_gate.slot():
            quotes = await asyncio.to_thread(best_quotes, question, passages, self._embeddings,
                                             self._settings.extractive_quotes, self._settings.extractive_max_sentences)
        answer = self._prompts.render("extractive.j2", quotes=quotes)
        return clean_citations(answer, len(passages))

    async def _prompt(
        self, turn: _Turn, question: str, passages: list[Passage]
    ) -> tuple[list[ChatMessage], int]:
        clock = time.perf_counter()
        budget = self._model.context_window - self._llm.max_answer_tokens
        built = await asyncio.to_thread(
            build_answer_messages, self._prompts, self._model.count_prompt_tokens, budget, question, passages,
            turn.history, date.today().isoformat(), self.control_tokens)
        turn.timings["prompt_ms"] = (time.perf_counter() - clock) * 1000
        return built

    async def _guarded_generation(
        self, turn: _Turn, question: str, messages: list[ChatMessage], passages: list[Passage]
    ) -> AsyncIterator[ChatEvent]:
        """Generated text reaches the stream only once checked against the cited sources (grounding.py);
        an answer that fails the check is replaced by the extractive answer, with a note saying why."""
        gate = StreamGate(GroundingCheck([passage.text for passage in passages]))
        async with aclosing(self._generate(turn, messages)) as deltas:
            async for delta in deltas:
                shown = await asyncio.to_thread(gate.feed, delta)
                if shown:
                    yield ChatEvent("token", {"text": shown})
                if gate.failure is not None:
                    break  # a fact in none of the sources: stop the model now
        rest, verdict = await asyncio.to_thread(gate.finish)
        turn.grounding = verdict.summary()
        if not verdict.refused:
            if rest:
                yield ChatEvent("token", {"text": rest})
            turn.answer, turn.cited = clean_citations(gate.text, len(passages))
            return
        log.info("generated answer refused by the grounding check: %s %s", verdict.reason,
                 [(fact.kind, fact.text) for fact in verdict.unsupported])
        extractive, turn.cited = await self._extractive(question, passages)
        turn.answer, turn.mode = f"{verdict.note()}\n\n{extractive}", "extractive"
        yield ChatEvent("replace", {"answer": turn.answer, "reason": verdict.reason})

    async def _generate(self, turn: _Turn, messages: list[ChatMessage]) -> AsyncGenerator[str, None]:
        async with self._gate.slot():
            clock = time.perf_counter()
            first = True
            deltas = stream_in_thread(self._model, messages, max_tokens=self._llm.max_answer_tokens,
                                      temperature=self._llm.temperature, gate=self._gate)
            async with aclosing(deltas):  # closed early by the grounding check: the model stops at once
                async for delta in deltas:
                    if first:
                        turn.timings["first_token_ms"] = (time.perf_counter() - clock) * 1000
                        first = False
                    yield delta
            turn.timings["generation_ms"] = (time.perf_counter() - clock) * 1000

    def _save_answer(self, turn: _Turn, sources: list[dict[str, Any]]) -> str | None:
        if not turn.request.persist or turn.conversation_id is None:
            return None
        shown = [dict(source, cited=source["number"] in turn.cited) for source in sources]
        return self._conversations.add_message(
            turn.principal.username, turn.conversation_id, "assistant", turn.answer, turn.mode, shown)
