"""The chat-model interface shared by every backend, its value types and its errors."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "cancelled"]

# Chat templates add a few tokens around each message (role markers, separators).
_TEMPLATE_TOKENS_PER_MESSAGE = 4
_TEMPLATE_TOKENS_PER_PROMPT = 3


class LLMError(RuntimeError):
    """A generation failed; the message never contains an API key."""


class LLMUnavailable(LLMError):
    """The backend cannot be used: model file missing or unreadable, server unreachable or refusing us.

    The message names the file path or the server URL.
    """


class PromptTooLong(LLMError):
    """The prompt does not fit in the model's context window."""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One step of a generation: a text delta, or (last) the reason it ended."""

    text: str = ""
    finish_reason: FinishReason | None = None


@runtime_checkable
class ChatModel(Protocol):
    name: str
    context_window: int

    def load(self) -> None:
        """Make the model ready (load weights, reach the server); idempotent. Raises LLMUnavailable."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def control_tokens(self) -> frozenset[str]:
        """The texts of the vocabulary's control tokens (chat-template markers), when known; else empty."""
        ...

    def count_prompt_tokens(self, messages: list[ChatMessage]) -> int:
        """Tokens the messages take once formatted with the chat template (exact or a safe estimate)."""
        ...

    def stream_chat(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        """Yield text deltas; end early, without error, once `cancel` is set."""
        ...

    def chat(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion: ...


class BaseChatModel(ABC):
    """Builds `stream_chat` and `chat` on one backend primitive, `stream_events`."""

    name: str
    context_window: int

    def load(self) -> None:
        return None

    @abstractmethod
    def count_tokens(self, text: str) -> int: ...

    def control_tokens(self) -> frozenset[str]:
        return frozenset()  # a remote server's vocabulary is unknown: the common templates' tokens still go

    @abstractmethod
    def stream_events(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None,
        cancel: threading.Event | None,
    ) -> Iterator[StreamEvent]:
        """Yield text deltas, then exactly one event carrying the finish reason."""

    def count_prompt_tokens(self, messages: list[ChatMessage]) -> int:
        content = sum(self.count_tokens(message.content) for message in messages)
        return content + _TEMPLATE_TOKENS_PER_MESSAGE * len(messages) + _TEMPLATE_TOKENS_PER_PROMPT

    def stream_chat(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        events = self.stream_events(
            messages, max_tokens=max_tokens, temperature=temperature, stop=stop, cancel=cancel)
        for event in events:
            if event.text:
                yield event.text

    def chat(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion:
        parts: list[str] = []
        finish: FinishReason = "stop"
        events = self.stream_events(
            messages, max_tokens=max_tokens, temperature=temperature, stop=stop, cancel=cancel)
        for event in events:
            parts.append(event.text)
            finish = event.finish_reason or finish
        text = "".join(parts)
        return Completion(
            text=text,
            prompt_tokens=self.count_prompt_tokens(messages),
            completion_tokens=self.count_tokens(text) if text else 0,
            finish_reason=finish,
        )


def redact(text: str, secret: str | None) -> str:
    """Remove a secret from a message that may echo it (server error bodies, URLs)."""
    return text.replace(secret, "***") if secret else text
