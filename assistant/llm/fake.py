"""A deterministic, scripted chat model for unit tests: no weights, no threads of its own."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from assistant.llm.base import BaseChatModel, ChatMessage, LLMError, StreamEvent

Reply = str | BaseException
ReplyFunction = Callable[[list[ChatMessage]], str]

_WORD = re.compile(r"\s*\S+")


class FakeChatModel(BaseChatModel):
    """Replies from a script (in order) or a function of the messages, streamed word by word.

    A script item that is an exception is raised instead of replying. One word counts as one token.
    `calls` records the messages of every generation.
    """

    def __init__(
        self,
        replies: Iterable[Reply] | ReplyFunction,
        *,
        name: str = "fake",
        context_window: int = 2048,
        delay_s: float = 0.0,
    ) -> None:
        self.name = name
        self.context_window = context_window
        self.delay_s = delay_s
        self.calls: list[list[ChatMessage]] = []
        self._function: ReplyFunction | None = replies if callable(replies) else None
        self._script: deque[Reply] = deque() if callable(replies) else deque(replies)
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream_events(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None,
        cancel: threading.Event | None,
    ) -> Iterator[StreamEvent]:
        reply = _cut_at_stop(self._next_reply(messages), stop or [])
        words = _WORD.findall(reply)
        for index, word in enumerate(words):
            if cancel is not None and cancel.is_set():
                yield StreamEvent(finish_reason="cancelled")
                return
            if index >= max_tokens:
                yield StreamEvent(finish_reason="length")
                return
            if self.delay_s:
                time.sleep(self.delay_s)
            yield StreamEvent(text=word)
        yield StreamEvent(finish_reason="stop")

    def _next_reply(self, messages: list[ChatMessage]) -> str:
        with self._lock:
            self.calls.append(list(messages))
            if self._function is not None:
                return self._function(messages)
            if not self._script:
                raise LLMError(f"FakeChatModel {self.name!r}: no scripted reply left")
            reply = self._script.popleft()
        if isinstance(reply, BaseException):
            raise reply
        return reply


def _cut_at_stop(text: str, stop: list[str]) -> str:
    positions = [text.find(marker) for marker in stop if marker and marker in text]
    return text[: min(positions)] if positions else text
