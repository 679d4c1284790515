"""The language-model layer: one `ChatModel` interface, in-process (llama.cpp) and remote backends.

Importing this package loads no model and no backend library.
"""

from assistant.llm.base import (
    ChatMessage,
    ChatModel,
    Completion,
    FinishReason,
    LLMError,
    LLMUnavailable,
    PromptTooLong,
)
from assistant.llm.factory import build_chat_model
from assistant.llm.gate import GateStats, ModelGate, QueueFull, stream_in_thread
from assistant.llm.settings import LLMSettings, is_capable, resolve_answer_mode

__all__ = [
    "ChatMessage",
    "ChatModel",
    "Completion",
    "FinishReason",
    "GateStats",
    "LLMError",
    "LLMSettings",
    "LLMUnavailable",
    "ModelGate",
    "PromptTooLong",
    "QueueFull",
    "build_chat_model",
    "is_capable",
    "resolve_answer_mode",
    "stream_in_thread",
]
