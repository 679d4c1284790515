"""Who is asking, and what they may read. Every search and every feature takes a `Principal`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


def normalize_group(group: str) -> str:
    """Keycloak's group mapper sends full paths ("/urbanisme"); collections name groups without the slash."""
    return group.strip().strip("/")


@dataclass(frozen=True)
class Principal:
    username: str
    groups: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    is_operator: bool = False

    @classmethod
    def operator(cls) -> Principal:
        """The local operator of the CLI, who already owns the data directory: full rights."""
        return cls(username="operator", roles=frozenset({"admin"}), is_operator=True)

    @classmethod
    def of(cls, username: str, groups: Iterable[str] = (), roles: Iterable[str] = ()) -> Principal:
        return cls(username, frozenset(normalize_group(g) for g in groups if g.strip("/ ")), frozenset(roles))

    @property
    def is_admin(self) -> bool:
        """Admins (and the CLI operator) may see server-side details, such as a document's file path."""
        return self.is_operator or "admin" in self.roles

    def can_read(self, collection_groups: Iterable[str]) -> bool:
        """A collection with no groups is readable by every authenticated agent."""
        if self.is_operator:
            return True
        allowed = {normalize_group(group) for group in collection_groups}
        return not allowed or bool(allowed & self.groups)
