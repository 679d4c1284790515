"""PDF: text layer page by page (pdfminer.six boxes, ruled tables found by pdfplumber); pages without a
text layer are rendered and OCR'd.

unstructured's own PDF partitioner imports unstructured_inference (layout models, CUDA torch), which
is not installed here, so this module reads the text boxes and tables itself and only borrows
unstructured's classifier for titles and paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.document import Element, ParsedDocument, ParseError
from ingestion.parsers.elements import choose_title, table_elements
from ingestion.parsers.ocr import ocr_pdf_page
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.paragraphs import split_paragraphs
from ingestion.parsers.unstructured_adapter import classify_paragraphs

if TYPE_CHECKING:
    from pypdf import PdfReader

# pdfminer writes "(cid:42)" for glyphs of fonts without a Unicode map: no text, so such pages
# fall under the OCR threshold instead of indexing noise.
_CID_RE = re.compile(r"\(cid:\d+\)")


Rows = list[list[str]]


@dataclass(frozen=True)
class _PageText:
    """A page's text boxes and tables (rows of cells), in reading order."""

    number: int
    blocks: list[str | Rows]
    longest_side_pt: float

    @property
    def visible_chars(self) -> int:
        texts: list[str] = []
        for item in self.blocks:
            texts += [item] if isinstance(item, str) else [cell for row in item for cell in row]
        return sum(len("".join(text.split())) for text in texts)


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
        for block in page.blocks:
            if isinstance(block, str):
                elements += classify_paragraphs(split_paragraphs(block), page.number)
            else:
                elements += table_elements(block, page.number)
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
    import pdfplumber
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(path, laparams={}) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                yield _PageText(number, _page_blocks(page), max(page.width, page.height))
                page.close()  # drop the page's cached layout: long PDFs stay within the memory limit
    except (PSException, PdfminerException) as error:  # PSException is also the base of every PDFException
        raise ParseError(f"the PDF is damaged or truncated: {error!r}") from error


def _page_blocks(page: Any) -> list[str | Rows]:
    """Text boxes outside the ruled tables, with each table placed before the first box below its top."""
    from pdfminer.layout import LTTextContainer

    tables = [(table.bbox, [[cell or "" for cell in row] for row in table.extract()])
              for table in page.dedupe_chars().find_tables()  # fake bold draws each glyph twice
              if len(table.columns) >= 2 and len(table.rows) >= 2]  # a framed box (a stamp...) is no table
    pending = sorted(tables, key=lambda item: item[0][1])
    blocks: list[str | Rows] = []
    for item in page.layout:
        if not isinstance(item, LTTextContainer):
            continue
        top = page.height - item.y1  # pdfminer counts from the bottom, pdfplumber from the top
        if any(_inside(item.bbox, bbox, page.height) for bbox, _ in tables):
            continue
        while pending and pending[0][0][1] <= top:
            blocks.append(pending.pop(0)[1])
        blocks.append(_CID_RE.sub("", item.get_text()))
    blocks += [rows for _, rows in pending]
    return blocks


def _inside(box: tuple[float, float, float, float], table: tuple[float, float, float, float], height: float) -> bool:
    """Whether the centre of a pdfminer box (bottom-up) lies in a pdfplumber table bbox (top-down)."""
    x_centre, y_centre = (box[0] + box[2]) / 2, height - (box[1] + box[3]) / 2
    return table[0] <= x_centre <= table[2] and table[1] <= y_centre <= table[3]


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        return metadata.title if metadata is not None else None
    except Exception:  # broken metadata must not cost the text
        return None


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(str(page) for page in pages[:20])
    return shown + (f" and {len(pages) - 20} more" if len(pages) > 20 else "")
