"""Plain text (TXT files, OCR output, PDF text boxes) to paragraphs, in one linear pass."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingestion.parsers import limits
from ingestion.parsers.elements import split_long_text

# A line that starts a list item keeps its own paragraph even without a blank line before it.
_LIST_ITEM_START_RE = re.compile(r"^\s*([-–•*▪◦‣·]\s|\d{1,3}[.)]\s|[a-z][.)]\s)")
_HYPHENATED_END_RE = re.compile(r"[a-zà-ÿ]-$")
# unstructured's own rule: a block of lines all shorter than this many words is a list of lines.
_SHORT_LINE_WORDS = 5


def split_paragraphs(text: str, join_hyphenated: bool = False) -> list[str]:
    """Blocks separated by blank lines; wrapped lines joined; list items and short lines kept apart."""
    paragraphs: list[str] = []
    for block in _blocks(text):
        paragraphs.extend(_block_paragraphs(block, join_hyphenated))
    return paragraphs


def _blocks(text: str) -> Iterator[list[str]]:
    block: list[str] = []
    for raw_line in text.split("\n"):
        for line in _bounded_lines(raw_line):
            if line.strip():
                block.append(line.strip())
            elif block:
                yield block
                block = []
    if block:
        yield block


def _bounded_lines(line: str) -> list[str]:
    """An over-long line is cut and each piece becomes a paragraph of its own (an empty line follows)."""
    if len(line) <= limits.MAX_ELEMENT_CHARS:
        return [line]
    pieces: list[str] = []
    for piece in split_long_text(line):
        pieces.extend((piece, ""))
    return pieces


def _block_paragraphs(lines: list[str], join_hyphenated: bool) -> list[str]:
    if all(len(line.split()) < _SHORT_LINE_WORDS for line in lines):
        return lines
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        starts_item = _LIST_ITEM_START_RE.match(line) is not None
        if current and (starts_item or len(current) + len(line) >= limits.MAX_ELEMENT_CHARS):
            paragraphs.append(current)
            current = ""
        current = _join(current, line, join_hyphenated)
    if current:
        paragraphs.append(current)
    return paragraphs


def _join(current: str, line: str, join_hyphenated: bool) -> str:
    if not current:
        return line
    if join_hyphenated and _HYPHENATED_END_RE.search(current):
        return current[:-1] + line
    return f"{current} {line}"
