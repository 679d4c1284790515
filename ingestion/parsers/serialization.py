"""ParsedDocument to and from JSON bytes, for results crossing the sandbox's process boundary.

JSON rather than pickle: the child has just parsed a hostile file, and unpickling what it sends
would let a compromised child run code in the parent.
"""

from __future__ import annotations

import json
from typing import Any

from ingestion.document import Element, ElementKind, ParsedDocument, ParseError


def encode_result(document: ParsedDocument) -> bytes:
    message = {
        "title": document.title,
        "file_type": document.file_type,
        "page_count": document.page_count,
        "warnings": document.warnings,
        "elements": [[e.text, e.kind.value, e.page, e.depth] for e in document.elements],
    }
    return json.dumps({"document": message}, ensure_ascii=False).encode("utf-8")


def encode_error(reason: str) -> bytes:
    return json.dumps({"error": reason}, ensure_ascii=False).encode("utf-8")


def decode_result(payload: bytes) -> ParsedDocument:
    """The document the child sent, or the ParseError it reported."""
    try:
        message = json.loads(payload.decode("utf-8"))
        if "error" in message:
            raise ParseError(str(message["error"]))
        return _document(message["document"])
    except (ValueError, KeyError, TypeError) as error:
        raise ParseError(f"the parser process sent an unreadable result ({error})") from error


def _document(fields: dict[str, Any]) -> ParsedDocument:
    elements = [
        Element(str(text), ElementKind(kind), None if page is None else int(page), int(depth))
        for text, kind, page, depth in fields["elements"]
    ]
    page_count = fields["page_count"]
    return ParsedDocument(
        title=str(fields["title"]),
        elements=elements,
        file_type=str(fields["file_type"]),
        page_count=None if page_count is None else int(page_count),
        warnings=[str(note) for note in fields["warnings"]],
    )
