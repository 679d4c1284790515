"""Fit the prompt to the model's window: passages first (by rank), then the most recent history."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.chat.prompts import PromptLibrary
from assistant.llm.base import ChatMessage
from assistant.llm.control_tokens import COMMON, ControlTokens
from assistant.retrieval import Passage

_FOLLOW_UP = re.compile(
    r"\b(il|elle|ils|elles|ce|cela|ça|celui|celle|ceux|celles|y|en|leur|leurs|lui|même|aussi|et pour|"
    r"et si|dans ce cas)\b", re.IGNORECASE)
_DELIMITERS = re.compile(r"<<<|>>>")  # what encloses a source's text in answer.user.j2


@dataclass(frozen=True)
class PromptSource:
    number: int
    title: str
    page: int | None
    section: str
    text: str


def sanitize_source_text(text: str, control: ControlTokens = COMMON) -> str:
    """Document text as prompt data: no template control token, none of our source delimiters."""
    return _DELIMITERS.sub(" ", control.remove(text))


def _one_line(text: str, control: ControlTokens) -> str:
    """A title or a section: one line, so that it cannot forge the header of another source."""
    return " ".join(sanitize_source_text(text, control).split())


def clean_history(history: Sequence[ChatMessage], control: ControlTokens = COMMON) -> list[ChatMessage]:
    return [ChatMessage(message.role, control.remove(message.content)) for message in history]


def heuristic_standalone_question(question: str, history: Sequence[ChatMessage]) -> str:
    """Without a capable model, a short or anaphoric follow-up is searched together with the previous question."""
    previous = next((m.content for m in reversed(history) if m.role == "user"), None)
    if previous is None:
        return question
    if len(question.split()) <= 6 or _FOLLOW_UP.search(question):
        return f"{previous} {question}"
    return question


def build_answer_messages(
    prompts: PromptLibrary,
    count_tokens: Callable[[list[ChatMessage]], int],
    budget: int,
    question: str,
    passages: Sequence[Passage],
    history: Sequence[ChatMessage],
    today: str,
    control: ControlTokens = COMMON,
) -> tuple[list[ChatMessage], int]:
    """Messages that fit in `budget` tokens, and how many passages made it (always their first ones).

    Every text that comes from a document, the user or the history has its control tokens stripped.
    """
    system = ChatMessage("system", prompts.render("answer.system.j2", today=today))
    sources = [PromptSource(n, _one_line(p.title, control), p.page, _one_line(p.section, control),
                            sanitize_source_text(p.text, control)) for n, p in enumerate(passages, start=1)]
    question = control.remove(question)
    history = clean_history(history, control)

    def user_message(count: int) -> ChatMessage:
        return ChatMessage("user", prompts.render("answer.user.j2", sources=sources[:count], question=question))

    count = len(sources)
    while count > 1 and count_tokens([system, user_message(count)]) > budget:
        count -= 1
    if count_tokens([system, user_message(count)]) > budget:
        shortened = sources[0].text[: max(200, budget * 2)]
        sources[0] = PromptSource(1, sources[0].title, sources[0].page, sources[0].section, shortened)
    final_user = user_message(count)
    kept: list[ChatMessage] = []
    for message in reversed(history):
        if count_tokens([system, message, *kept, final_user]) > budget:
            break
        kept.insert(0, message)
    return [system, *kept, final_user], count
