"""What a user can see, computed "as the service would", and the admin views built on it.

The user's groups and roles come from the directory (Keycloak in production), turned into a `Principal`
by the same mapping as a login; the readable collections come from the retrieval service itself, so a
preview cannot disagree with what a search would search.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from assistant.config import OidcSettings, PrivacySettings
from assistant.conversations import ConversationRow, MessageRow
from assistant.database import Database
from assistant.identity.directory import DirectoryEntry, UserDirectory, build_directory, principal_for
from assistant.knowledge import KnowledgeBase
from assistant.principal import Principal, normalize_group
from assistant.retrieval import RetrievalService, UnknownCollection
from assistant.runtime import Runtime


class AccessService:
    def __init__(
        self, directory: UserDirectory, knowledge: KnowledgeBase, retrieval: RetrievalService,
        database: Database, oidc: OidcSettings, privacy: PrivacySettings,
    ) -> None:
        self.directory = directory
        self._kb, self._retrieval, self._db = knowledge, retrieval, database
        self._oidc, self._privacy = oidc, privacy

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> AccessService:
        settings = runtime.settings
        return cls(build_directory(settings), runtime.knowledge, runtime.retrieval, runtime.database,
                   settings.auth.oidc, settings.privacy)

    def lookup(self, username: str) -> tuple[DirectoryEntry, Principal]:
        """Raises `UnknownUser` or `DirectoryUnavailable` (assistant.identity.directory)."""
        entry = self.directory.lookup(username)
        return entry, principal_for(entry, self._oidc)

    def preview_access(self, username: str) -> dict[str, Any]:
        return self.preview_of(*self.lookup(username))

    def preview_of(self, entry: DirectoryEntry, principal: Principal) -> dict[str, Any]:
        readable = set(self._retrieval.readable_collections(principal))
        documents = [d for d in self._kb.catalog.documents() if d.collection in readable]
        counts = Counter(d.collection for d in documents)
        return {
            "username": principal.username, "enabled": entry.enabled,
            "groups": sorted(principal.groups), "roles": sorted(principal.roles),
            "can_chat": "agent" in principal.roles,
            "collections": [{"name": row.name, "groups": row.groups, "documents": counts[row.name]}
                            for row in self._kb.catalog.collections() if row.name in readable],
            "documents": [{"id": d.id, "collection": d.collection, "title": d.title, "source": d.source_name}
                          for d in documents],
        }

    def collections(self) -> list[dict[str, Any]]:
        counts = Counter(d.collection for d in self._kb.catalog.documents())
        return [{"name": row.name, "groups": row.groups, "documents": counts[row.name]}
                for row in self._kb.catalog.collections()]

    def set_collection_groups(self, name: str, groups: Sequence[str]) -> dict[str, Any]:
        """Change who may read `name`, at once and without re-embedding; raises `UnknownCollection`."""
        if self._kb.catalog.collection(name) is None:
            raise UnknownCollection(f"unknown collection: {name}")
        wanted = sorted({normalize_group(group) for group in groups if normalize_group(group)})
        row = self._kb.set_collection_groups(name, wanted)
        return {"name": row.name, "groups": row.groups, "documents": len(self._kb.catalog.documents(name))}

    def conversations_of(self, owner: str, limit: int = 500) -> list[dict[str, Any]]:
        """Metadata of a user's conversations; titles and messages only if `privacy.admin_can_read_content`
        (a title is the first question, word for word: it is content)."""
        counts = (select(MessageRow.conversation_id, func.count(MessageRow.id).label("n"))
                  .group_by(MessageRow.conversation_id).subquery())
        query = (select(ConversationRow, func.coalesce(counts.c.n, 0))
                 .outerjoin(counts, counts.c.conversation_id == ConversationRow.id)
                 .where(ConversationRow.owner == owner).order_by(ConversationRow.updated_at.desc()).limit(limit))
        with self._db.session() as session:
            rows = [(conversation, int(count)) for conversation, count in session.execute(query)]
            session.expunge_all()
        items = [{"id": c.id, "created_at": c.created_at, "updated_at": c.updated_at, "messages": count}
                 for c, count in rows]
        if self._privacy.admin_can_read_content:
            for item, (conversation, _) in zip(items, rows, strict=True):
                item["title"] = conversation.title
                item["content"] = self._messages(conversation.id)
        return items

    def _messages(self, conversation_id: str) -> list[dict[str, Any]]:
        query = (select(MessageRow).where(MessageRow.conversation_id == conversation_id)
                 .order_by(MessageRow.created_at))
        with self._db.session() as session:
            return [{"role": m.role, "content": m.content, "created_at": m.created_at}
                    for m in session.scalars(query)]
