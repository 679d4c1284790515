"""The prompt of an in-process model as tokens: the chat template's own tokens parsed as special tokens,
every message's content tokenized as plain text (special=False).

llama-cpp-python's `create_chat_completion` formats the messages, then tokenizes the whole prompt with
special tokens enabled: a document or a question containing `<|im_end|>` would become a real end of turn.
Here the template is rendered with a placeholder per message; the text between placeholders is the
template's (parsed with special tokens), the placeholders are replaced by the contents' plain tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from assistant.llm.base import ChatMessage
from assistant.llm.control_tokens import ControlTokens

log = logging.getLogger("assistant.llm")
_PLACEHOLDER = "\ue000{}\ue001"  # private-use characters: no template writes them, no content keeps them
# Tokens llama.cpp only parses with special=True (LLAMA_TOKEN_ATTR_UNKNOWN | LLAMA_TOKEN_ATTR_CONTROL).
CONTROL_ATTRIBUTES = 1 | 8


@dataclass(frozen=True)
class PromptTokens:
    tokens: list[int]
    stop: list[str]
    stopping_criteria: Any


def control_vocabulary(llama: Any) -> dict[int, str]:
    """The model's control tokens: id -> text."""
    model = llama._model
    found = {}
    for token in range(model.n_vocab()):
        if model.token_get_attr(token) & CONTROL_ATTRIBUTES:
            found[token] = model.token_get_text(token)
    return found


def _tokens(llama: Any, text: str, *, special: bool) -> list[int]:
    return list(llama.tokenize(text.encode("utf-8"), add_bos=False, special=special)) if text else []


def _stop(result: Any) -> list[str]:
    if result.stop is None:
        return []
    return list(result.stop) if isinstance(result.stop, list) else [result.stop]


def assemble(llama: Any, formatter: Any, messages: list[ChatMessage], control: ControlTokens) -> PromptTokens:
    marks = [_PLACEHOLDER.format(index) for index in range(len(messages))]
    result = formatter(messages=[{"role": m.role, "content": mark} for m, mark in zip(messages, marks, strict=True)])
    text: str = result.prompt
    if any(text.count(mark) != 1 for mark in marks):
        return _whole(llama, formatter, messages, control)
    tokens: list[int] = []
    cursor = 0
    for message, mark in zip(messages, marks, strict=True):
        at = text.find(mark, cursor)
        if at < 0:  # the template reordered the messages
            return _whole(llama, formatter, messages, control)
        tokens += _tokens(llama, text[cursor:at], special=True)
        tokens += _tokens(llama, message.content, special=False)
        cursor = at + len(mark)
    tokens += _tokens(llama, text[cursor:], special=True)
    return PromptTokens(tokens, _stop(result), result.stopping_criteria)


def _whole(llama: Any, formatter: Any, messages: list[ChatMessage], control: ControlTokens) -> PromptTokens:
    """A template that rewrites or repeats its messages' contents: format them for real, with their control
    tokens stripped, and tokenize the whole prompt with special tokens (as llama-cpp-python does)."""
    log.warning("the model's chat template rewrites message contents: prompt tokenized as a whole")
    cleaned = [{"role": m.role, "content": control.remove(m.content)} for m in messages]
    result = formatter(messages=cleaned)
    return PromptTokens(_tokens(llama, result.prompt, special=True), _stop(result), result.stopping_criteria)
