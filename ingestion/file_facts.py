"""What the pipeline derives from a file and its parse: content hash, opening text, the name agents see."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingestion.discovery import Candidate
from ingestion.document import ParsedDocument

_MAX_SOURCE_NAME = 500  # the catalog's column


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def opening_text(parsed: ParsedDocument, limit: int) -> str:
    """The document's title and first lines: what it is about, as its author put it up front."""
    if limit <= 0:
        return ""
    body = "\n".join(element.text.strip() for element in parsed.elements if element.text.strip())[:limit]
    if not body:
        return ""
    return body if body.startswith(parsed.title) else f"{parsed.title}\n{body}"


def source_name(candidate: Candidate) -> str:
    """The file's path relative to the folder it was ingested from: what agents see (never the server path)."""
    try:
        relative = candidate.path.relative_to(candidate.root).as_posix()
    except ValueError:
        return candidate.path.name
    return relative if 0 < len(relative) <= _MAX_SOURCE_NAME else candidate.path.name


def is_disk_full(error: BaseException) -> bool:
    text = str(error).lower()
    return getattr(error, "errno", None) == 28 or "disk is full" in text or "no space left" in text
