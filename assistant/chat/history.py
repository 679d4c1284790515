"""Stored conversations as their owner may see them NOW: sources of collections they can no longer read
(groups changed, agent role lost) are withheld, and so are the answers built from them.

The stored rows are not changed: read access is decided at read time, by the same `Principal.can_read`
logic as retrieval (`RetrievalService.readable_collections`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from assistant.conversations import ConversationRow, ConversationStore, StoredMessage
from assistant.principal import Principal
from assistant.retrieval import RetrievalService

WITHHELD_SOURCE = "source retirée : accès modifié"
WITHHELD_ANSWER = ("Réponse retirée : elle reposait sur des documents auxquels vous n'avez plus accès "
                   "(accès modifié).")
READER_ROLE = "agent"  # without it nobody reads documents through the service, so nor in its history


@dataclass(frozen=True)
class ConversationView:
    row: ConversationRow
    messages: list[StoredMessage]
    withheld_sources: int


def shown_message(message: StoredMessage, readable: Collection[str]) -> tuple[StoredMessage, int]:
    """The message with its unreadable sources (and then its answer) withheld; and how many were."""
    sources = [_readable_copies(source, readable) if source.get("collection") in readable else _withheld(source)
               for source in message.sources]
    withheld = sum(1 for source in sources if source.get("withheld"))
    if not withheld:
        return message, 0
    content = WITHHELD_ANSWER if message.role == "assistant" else message.content
    return replace(message, content=content, sources=sources), withheld


def _readable_copies(source: dict[str, Any], readable: Collection[str]) -> dict[str, Any]:
    """A copy of the text found in a collection no longer readable is no longer listed under it."""
    copies = source.get("also_at") or []
    kept = [copy for copy in copies if copy.get("collection") in readable]
    return source if len(kept) == len(copies) else {**source, "also_at": kept}


def _withheld(source: dict[str, Any]) -> dict[str, Any]:
    return {"number": source.get("number"), "cited": bool(source.get("cited")), "withheld": True,
            "reason": WITHHELD_SOURCE, "title": WITHHELD_SOURCE, "source": "", "collection": None,
            "document_id": None, "chunk_id": None, "page": None, "section": "", "snippet": "", "url": None}


class ConversationHistory:
    def __init__(self, conversations: ConversationStore, retrieval: RetrievalService) -> None:
        self._conversations = conversations
        self._retrieval = retrieval

    def readable(self, principal: Principal) -> frozenset[str]:
        if not principal.is_operator and READER_ROLE not in principal.roles:
            return frozenset()
        return frozenset(self._retrieval.readable_collections(principal))

    def messages(self, principal: Principal, conversation_id: str) -> list[StoredMessage]:
        return self.conversation(principal, conversation_id).messages

    def conversation(self, principal: Principal, conversation_id: str) -> ConversationView:
        """Raises NotFound for another user's conversation."""
        owner = principal.username
        row = self._conversations.get(owner, conversation_id)
        return self._view(row, self._conversations.messages(owner, conversation_id), self.readable(principal))

    def export(self, principal: Principal) -> dict[str, Any]:
        """Everything stored about the user (RGPD access right), less what they may no longer read."""
        readable = self.readable(principal)
        owner = principal.username
        views = [self._view(row, self._conversations.messages(owner, row.id), readable)
                 for row in self._conversations.list_for(owner, limit=1_000_000)]
        withheld = sum(view.withheld_sources for view in views)
        return {"user": owner, "conversations": [
            {"id": view.row.id, "title": view.row.title, "created_at": view.row.created_at,
             "messages": [message.__dict__ for message in view.messages]} for view in views],
            "withheld": {"sources": withheld, "reason": WITHHELD_SOURCE if withheld else None}}

    @staticmethod
    def _view(row: ConversationRow, messages: list[StoredMessage], readable: Collection[str]) -> ConversationView:
        shown = [shown_message(message, readable) for message in messages]
        return ConversationView(row, [message for message, _ in shown], sum(count for _, count in shown))
