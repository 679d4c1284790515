"""Structure-following chunking: chunks stay inside one section and one page, tables stay whole when they fit.

Each chunk's indexed text is prefixed with the document title and its section path, so that a passage
about "les tarifs" is found by a question about "les tarifs de la piscine".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingestion.document import Element, ElementKind, ParsedDocument

TokenCounter = Callable[[str], int]

_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+")
_MAX_TITLE_CHARS = 200
_MAX_SECTION_CHARS = 240


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    text: str
    indexed_text: str
    page: int | None
    section: str


@dataclass
class _Buffer:
    parts: list[str]
    tokens: int
    page: int | None


class Chunker:
    def __init__(self, count_tokens: TokenCounter, chunk_tokens: int, window_tokens: int) -> None:
        self._count = count_tokens
        self._budget = chunk_tokens
        self._window = window_tokens

    def chunk(self, document: ParsedDocument) -> list[Chunk]:
        bodies = list(self._bodies(document.elements))
        if not bodies:
            # A document made only of short lines, all classified as titles: keep their text.
            titles = [element for element in document.elements if element.text.strip()]
            if titles:
                joined = "\n".join(e.text.strip() for e in titles)
                bodies = [(piece, titles[0].page, "") for piece in self._split(joined, ElementKind.TEXT)]
        return [
            Chunk(ordinal, text, self._indexed_text(document.title, section, text), page, section)
            for ordinal, (text, page, section) in enumerate(bodies)
        ]

    def _bodies(self, elements: list[Element]) -> Iterator[tuple[str, int | None, str]]:
        headings: list[tuple[int, str]] = []
        buffer = _Buffer([], 0, None)
        for element in elements:
            text = element.text.strip()
            if not text:
                continue
            if element.kind is ElementKind.TITLE and len(text) <= _MAX_TITLE_CHARS:
                yield from self._flush(buffer, headings)
                headings = [(depth, title) for depth, title in headings if depth < element.depth]
                headings.append((element.depth, text))
                continue
            if buffer.parts and buffer.page != element.page:
                yield from self._flush(buffer, headings)
            yield from self._add(buffer, text, element, headings)
        yield from self._flush(buffer, headings)

    def _add(
        self, buffer: _Buffer, text: str, element: Element, headings: list[tuple[int, str]]
    ) -> Iterator[tuple[str, int | None, str]]:
        tokens = self._count(text)
        if tokens > self._budget:
            yield from self._flush(buffer, headings)
            for piece in self._split(text, element.kind):
                yield piece, element.page, _section(headings)
            return
        if buffer.tokens + tokens > self._budget:
            yield from self._flush(buffer, headings)
        buffer.parts.append(text)
        buffer.tokens += tokens
        buffer.page = element.page

    def _flush(self, buffer: _Buffer, headings: list[tuple[int, str]]) -> Iterator[tuple[str, int | None, str]]:
        if buffer.parts:
            yield "\n".join(buffer.parts), buffer.page, _section(headings)
        buffer.parts, buffer.tokens, buffer.page = [], 0, None

    def _split(self, text: str, kind: ElementKind) -> Iterator[str]:
        """Split an oversized block: tables by rows (repeating the header row), prose by sentences."""
        if kind is ElementKind.TABLE:
            header, *rows = text.splitlines()
            yield from self._pack(rows, "\n", header)
        else:
            yield from self._pack(_SENTENCE_END.split(text), " ", None)

    def _pack(self, units: list[str], separator: str, header: str | None) -> Iterator[str]:
        start = [header] if header and self._count(header) * 4 < self._budget else []
        base_tokens = self._count(header) if start and header else 0
        current, current_tokens = list(start), base_tokens
        for unit in units:
            for piece in self._hard_split(unit):
                tokens = self._count(piece)
                if len(current) > len(start) and current_tokens + tokens > self._budget:
                    yield separator.join(current)
                    current, current_tokens = list(start), base_tokens
                current.append(piece)
                current_tokens += tokens
        if len(current) > len(start):
            yield separator.join(current)

    def _hard_split(self, unit: str) -> Iterator[str]:
        if self._count(unit) <= self._budget:
            yield unit
            return
        # Roughly 3 characters per token for French; a word-less run is cut by characters.
        width = max(16, self._budget * 3)
        words = unit.split(" ")
        line = ""
        for word in words:
            while len(word) > width:
                if line:
                    yield line
                    line = ""
                yield word[:width]
                word = word[width:]
            if line and len(line) + len(word) + 1 > width:
                yield line
                line = word
            else:
                line = f"{line} {word}" if line else word
        if line:
            yield line

    def _indexed_text(self, title: str, section: str, text: str) -> str:
        header = title if not section or section == title else f"{title}\n{section}"
        room = self._window - self._budget - 8
        if self._count(header) > room:
            header = header[: max(0, room * 3)]
        return f"{header}\n{text}" if header else text


def _section(headings: list[tuple[int, str]]) -> str:
    return " > ".join(title for _, title in headings)[:_MAX_SECTION_CHARS]
