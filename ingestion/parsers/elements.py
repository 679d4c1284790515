"""Building `Element`s: bounded lengths, tables laid out row by row, and the document title."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ingestion.document import Element, ElementKind
from ingestion.parsers import limits

_WHITESPACE_RE = re.compile(r"\s+")
_OFFICE_TITLE_PREFIX_RE = re.compile(r"^microsoft (word|excel|powerpoint) - ", re.I)
_CELL_SEPARATOR = " | "


def split_long_text(text: str, max_chars: int = limits.MAX_ELEMENT_CHARS) -> list[str]:
    """Cut `text` into pieces of at most `max_chars`, at a line break or space when one is near.

    Each cut looks back at most a quarter of `max_chars`, so the whole split stays linear even for
    a multi-megabyte line without a single space.
    """
    pieces: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        end = start + max_chars
        window_start = end - max_chars // 4
        cut = text.rfind("\n", window_start, end)
        if cut == -1:
            cut = text.rfind(" ", window_start, end)
        if cut <= start:
            cut = end
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def bounded_elements(elements: Iterable[Element]) -> Iterator[Element]:
    """Drop empty elements and split the ones longer than `limits.MAX_ELEMENT_CHARS`."""
    for element in elements:
        text = element.text.strip()
        if not text:
            continue
        if len(text) <= limits.MAX_ELEMENT_CHARS:
            yield Element(text, element.kind, element.page, element.depth)
            continue
        for piece in split_long_text(text):
            yield Element(piece, element.kind, element.page, element.depth)


def format_row(cells: Sequence[str]) -> str:
    """One table row as `col1 | col2`, cell-internal line breaks flattened, trailing blanks dropped."""
    cleaned = [_WHITESPACE_RE.sub(" ", cell).strip() for cell in cells]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return _CELL_SEPARATOR.join(cleaned)


def table_elements(rows: Iterable[Sequence[str]], page: int | None = None, depth: int = 0) -> Iterator[Element]:
    """TABLE elements of at most `MAX_ELEMENT_CHARS`, each repeating the header row so it reads alone."""
    header = ""
    chunk: list[str] = []
    size = 0
    for cells in rows:
        line = format_row(cells)
        if not line:
            continue
        if not header:
            header = line
        if len(chunk) > 1 and size + len(line) + 1 > limits.MAX_ELEMENT_CHARS:
            yield Element("\n".join(chunk), ElementKind.TABLE, page, depth)
            chunk, size = [header], len(header)
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        yield Element("\n".join(chunk), ElementKind.TABLE, page, depth)


def choose_title(metadata_title: str | None, elements: Sequence[Element], path: Path) -> str:
    """Metadata title if meaningful, else the first top-level TITLE element, else the file stem."""
    title = clean_metadata_title(metadata_title)
    if title:
        return title
    for element in elements:
        if element.kind is ElementKind.TITLE and element.depth == 0:
            return _shorten(element.text)
    return path.stem or path.name or "document"


def clean_metadata_title(title: str | None) -> str:
    """Strip what office suites put in place of a title ("Microsoft Word - note.docx")."""
    if not title:
        return ""
    title = _OFFICE_TITLE_PREFIX_RE.sub("", _WHITESPACE_RE.sub(" ", title).strip())
    if title.lower() in {"untitled", "sans titre", "document", "titre"}:
        return ""
    return _shorten(title)


def _shorten(text: str, max_chars: int = 300) -> str:
    text = _WHITESPACE_RE.sub(" ", text).strip()
    return text if len(text) <= max_chars else text[:max_chars].rsplit(" ", 1)[0] + "…"
