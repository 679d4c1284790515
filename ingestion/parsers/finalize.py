"""Last pass over every parsed document: clean, bounded elements and a title that is never empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingestion.document import Element, ParsedDocument, ParseError
from ingestion.parsers import limits
from ingestion.parsers.elements import bounded_elements, choose_title
from ingestion.parsers.textio import clean_text


def finalize_document(document: ParsedDocument, path: Path) -> ParsedDocument:
    notes = list(document.warnings)
    elements = list(_within_budget(bounded_elements(_cleaned(document.elements)), notes))
    if not elements:
        raise ParseError(f"no text could be extracted from this {document.file_type.upper()} file")
    return ParsedDocument(
        title=document.title.strip() or choose_title(None, elements, path),
        elements=elements,
        file_type=document.file_type,
        page_count=document.page_count,
        warnings=notes,
    )


def _cleaned(elements: list[Element]) -> Iterator[Element]:
    for element in elements:
        yield Element(clean_text(element.text), element.kind, element.page, element.depth)


def _within_budget(elements: Iterator[Element], notes: list[str]) -> Iterator[Element]:
    total = 0
    for element in elements:
        total += len(element.text)
        if total > limits.MAX_DOCUMENT_CHARS:
            notes.append(f"text truncated after {limits.MAX_DOCUMENT_CHARS} characters")
            return
        yield element
