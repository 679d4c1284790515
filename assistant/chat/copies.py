"""Copies of one text among the retrieved passages: the same fee schedule as `.ods` and `.xlsx`, the same
regulation as PDF and DOCX, one file in two folders. Each text is shown once, as a source and in the quotes,
with the other places it is found listed under it (`also_at`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.retrieval import Passage

_NOT_WORD = re.compile(r"[\W_]+")


def copy_key(text: str) -> str:
    """What two copies share whatever their format: their words, in order, in lower case."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


@dataclass(frozen=True)
class UniquePassage:
    passage: Passage
    also_at: list[Passage] = field(default_factory=list)


def merge_copies(passages: Sequence[Passage], limit: int | None = None) -> list[UniquePassage]:
    """The passages in their order, each text once (its best-ranked place), at most `limit` of them."""
    unique: dict[str, UniquePassage] = {}
    for passage in passages:
        key = copy_key(passage.text)
        if key in unique:
            if unique[key].passage.document_id != passage.document_id:
                unique[key].also_at.append(passage)
            continue
        if limit is not None and len(unique) >= limit:
            continue
        unique[key] = UniquePassage(passage)
    return list(unique.values())
