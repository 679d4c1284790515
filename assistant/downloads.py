"""What a reader may download of a document: exactly the bytes that were ingested, and nothing else.

Downloads come from the originals store (`assistant.originals`), never from the ingested folder, whose
file may have been replaced since (by a symbolic link to a system file, say). A document indexed by a
previous release has no copy yet: its file is opened without following any link, hashed, and copied into
the store only if it still has the ingested content; otherwise it is refused. The media type is the one
detected at ingestion, never guessed from a name. Only raster images may be shown inline (the viewer
shows PDF pages as images rendered here, see `assistant.pdfpages`); everything else is an attachment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from assistant.catalog import DocumentRow
from assistant.knowledge import KnowledgeBase
from assistant.originals import OriginalNotStored, UnsafeSource, open_no_follow
from assistant.pdfpages import PageNotRendered, page_text, render_page

MEDIA_TYPES: Final = {
    "pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "doc": "application/msword", "xls": "application/vnd.ms-excel", "msg": "application/vnd.ms-outlook",
    "eml": "message/rfc822", "html": "text/html", "md": "text/markdown", "csv": "text/csv", "txt": "text/plain",
}
# Shown in the browser: raster images only (never SVG, HTML or PDF, which can carry scripts or plugins).
INLINE_TYPES: Final = frozenset({"png", "jpeg", "tiff"})

Reason = Literal["gone", "changed", "storage", "no_page"]


class OriginalUnavailable(Exception):
    """The original cannot be served; `message` is for the reader, in French."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Original:
    path: Path
    media_type: str
    filename: str
    inline: bool


def _text_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


class DownloadService:
    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._kb = knowledge

    def original(self, document: DocumentRow) -> Original:
        media_type = MEDIA_TYPES.get(document.file_type, "application/octet-stream")
        return Original(self._copy_of(document), _text_type(media_type), Path(document.source_name).name,
                        inline=document.file_type in INLINE_TYPES)

    def page_image(self, document: DocumentRow, page: int) -> Path:
        """The PNG image of one page of a PDF document, rendered from its ingested copy (cached)."""
        copy = self._pdf_copy(document, page)
        target = self._kb.originals.pages_dir(document.content_hash) / f"{page}.png"
        try:
            return render_page(copy, page, target)
        except (PageNotRendered, OSError) as exc:
            raise OriginalUnavailable("storage", f"la page n'a pas pu être affichée : {exc}") from exc

    def page_text(self, document: DocumentRow, page: int) -> str:
        """The text of one page of a PDF document, from its ingested copy (cached)."""
        copy = self._pdf_copy(document, page)
        target = self._kb.originals.pages_dir(document.content_hash) / f"{page}.txt"
        try:
            return page_text(copy, page, target)
        except (PageNotRendered, OSError) as exc:
            raise OriginalUnavailable("storage", f"le texte de la page n'a pas pu être extrait : {exc}") from exc

    def _pdf_copy(self, document: DocumentRow, page: int) -> Path:
        if document.file_type != "pdf" or not 1 <= page <= (document.page_count or 0):
            raise OriginalUnavailable("no_page", "cette page n'existe pas dans ce document")
        return self._copy_of(document)

    def _copy_of(self, document: DocumentRow) -> Path:
        store = self._kb.originals
        if not store.has(document.content_hash):
            self._adopt(document)
        return store.path_for(document.content_hash)

    def _adopt(self, document: DocumentRow) -> None:
        """A document indexed before copies were kept: take its file only if it is still what was indexed."""
        try:
            fd = open_no_follow(Path(document.path))
        except UnsafeSource as exc:
            raise OriginalUnavailable("changed", "le fichier source a été remplacé depuis son indexation "
                                      "(lien symbolique ou fichier spécial) : il n'est pas servi") from exc
        except OSError as exc:
            raise OriginalUnavailable("gone", "le fichier source n'est plus disponible") from exc
        try:
            staged = self._kb.originals.stage_from(fd, Path(document.path).name)
        except OriginalNotStored as exc:
            raise OriginalUnavailable("storage", "le document n'a pas pu être préparé (espace disque "
                                      "insuffisant ?) : réessayez plus tard") from exc
        finally:
            os.close(fd)
        staged.discard()
        if staged.digest != document.content_hash:
            self._kb.release_original(staged.digest)
            raise OriginalUnavailable("changed", "le fichier source a changé depuis son indexation : il n'est "
                                      "pas servi tant qu'il n'a pas été réindexé")

