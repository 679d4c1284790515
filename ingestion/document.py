"""What a parser hands to the chunker: a document as a flat list of typed, paged elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ElementKind(StrEnum):
    TITLE = "title"
    NARRATIVE = "narrative"
    LIST_ITEM = "list_item"
    TABLE = "table"
    TEXT = "text"


@dataclass(frozen=True)
class Element:
    """One block of a document. `depth` orders titles (0 = top level); `page` starts at 1."""

    text: str
    kind: ElementKind
    page: int | None = None
    depth: int = 0


@dataclass
class ParsedDocument:
    """A parsed file: its title (never empty), its elements in reading order, and notes for the admin."""

    title: str
    elements: list[Element]
    file_type: str
    page_count: int | None = None
    warnings: list[str] = field(default_factory=list)


class ParseError(Exception):
    """The file cannot be turned into text; the message says why, in words an admin can act on."""
