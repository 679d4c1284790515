"""PDF: text layer with pdfminer.six page by page; pages without one are rendered and OCR'd.

unstructured's own PDF partitioner imports unstructured_inference (layout models, CUDA torch), which
is not installed here, so this module reads the text boxes itself and only borrows unstructured's
classifier for titles and paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.document import Element, ParsedDocument, ParseError
from ingestion.parsers.elements import choose_title
from ingestion.parsers.ocr import ocr_pdf_page
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.paragraphs import split_paragraphs
from ingestion.parsers.unstructured_adapter import classify_paragraphs

if TYPE_CHECKING:
    from pypdf import PdfReader

# pdfminer writes "(cid:42)" for glyphs of fonts without a Unicode map: no text, so such pages
# fall under the OCR threshold instead of indexing noise.
_CID_RE = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class _PageText:
    number: int
    boxes: list[str]
    longest_side_pt: float

    @property
    def visible_chars(self) -> int:
        return sum(len("".join(box.split())) for box in self.boxes)


def parse_pdf(path: Path, options: ParseOptions) -> ParsedDocument:
    reader = _open_pdf(path)
    elements: list[Element] = []
    ocr_pages: list[int] = []
    for page in _text_layer_pages(path):
        if page.visible_chars < options.ocr_min_chars_per_page:
            ocr_pages.append(page.number)
            text = ocr_pdf_page(path, page.number, page.longest_side_pt, options.ocr_languages)
            elements += classify_paragraphs(split_paragraphs(text, join_hyphenated=True), page.number)
            continue
        for box in page.boxes:
            elements += classify_paragraphs(split_paragraphs(box), page.number)
    notes = [f"OCR used on page(s) {_page_list(ocr_pages)}"] if ocr_pages else []
    return ParsedDocument(
        title=choose_title(_metadata_title(reader), elements, path),
        elements=elements,
        file_type="pdf",
        page_count=len(reader.pages),
        warnings=notes,
    )


def _open_pdf(path: Path) -> PdfReader:
    """pypdf reads the page count and metadata, and tells encrypted PDFs apart from damaged ones."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError("the PDF is encrypted with a password; ask for an unprotected copy")
        if len(reader.pages) == 0:
            raise ParseError("the PDF has no pages (damaged or truncated file)")
    except DependencyError as error:
        raise ParseError(f"the PDF is encrypted and cannot be opened: {error}") from error
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise ParseError(f"the PDF is damaged or truncated: {error}") from error
    return reader


def _text_layer_pages(path: Path) -> Iterator[_PageText]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer
    from pdfminer.psexceptions import PSException

    try:
        for number, layout in enumerate(extract_pages(path), start=1):
            boxes = [_CID_RE.sub("", item.get_text()) for item in layout if isinstance(item, LTTextContainer)]
            yield _PageText(number, boxes, max(layout.width, layout.height))
    except PSException as error:  # also the base of every PDFException
        raise ParseError(f"the PDF is damaged or truncated: {error!r}") from error


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        return metadata.title if metadata is not None else None
    except Exception:  # broken metadata must not cost the text
        return None


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(str(page) for page in pages[:20])
    return shown + (f" and {len(pages) - 20} more" if len(pages) > 20 else "")
