"""Word-processing and presentation files: DOCX and PPTX by unstructured, DOC and ODT via LibreOffice."""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from ingestion.document import ParsedDocument
from ingestion.parsers.archive import check_zip_archive, open_zip
from ingestion.parsers.elements import choose_title
from ingestion.parsers.libreoffice import convert_with_libreoffice
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.unstructured_adapter import NO_LANGUAGE_DETECTION, convert_elements

_CORE_PROPERTIES = "docProps/core.xml"
_DC_TITLE_RE = re.compile(r"<dc:title>(.*?)</dc:title>", re.S)
_SLIDE_RE = re.compile(r"ppt/slides/slide\d+\.xml")


def parse_docx(path: Path, options: ParseOptions, file_type: str = "docx") -> ParsedDocument:
    """DOCX has no fixed pages (Word lays them out when displaying), so pages stay None."""
    from unstructured.partition.docx import partition_docx

    raw_elements = partition_docx(
        filename=str(path),
        include_page_breaks=False,
        infer_table_structure=True,
        languages=NO_LANGUAGE_DETECTION,
    )
    elements = convert_elements(raw_elements, keep_pages=False)
    title = choose_title(ooxml_title(path), elements, path)
    return ParsedDocument(title=title, elements=elements, file_type=file_type)


def parse_converted_to_docx(path: Path, options: ParseOptions, file_type: str) -> ParsedDocument:
    """DOC and ODT: LibreOffice writes a DOCX (title kept in its properties), parsed like any DOCX."""
    with tempfile.TemporaryDirectory(prefix="convert-") as work_dir:
        converted = convert_with_libreoffice(path, file_type, "docx", Path(work_dir))
        check_zip_archive(converted)
        document = parse_docx(converted, options, file_type=file_type)
    if document.title == converted.stem:
        document.title = choose_title(None, document.elements, path)
    return document


def parse_pptx(path: Path, options: ParseOptions) -> ParsedDocument:
    """One page per slide, speaker notes included (they often hold the spoken explanation)."""
    from unstructured.partition.pptx import partition_pptx

    raw_elements = partition_pptx(
        filename=str(path),
        include_page_breaks=False,
        include_slide_notes=True,
        infer_table_structure=True,
        languages=NO_LANGUAGE_DETECTION,
    )
    elements = convert_elements(raw_elements, keep_pages=True)
    return ParsedDocument(
        title=choose_title(ooxml_title(path), elements, path),
        elements=elements,
        file_type="pptx",
        page_count=_slide_count(path),
    )


def ooxml_title(path: Path) -> str | None:
    """dc:title from docProps/core.xml, read without loading the whole document."""
    import html

    with open_zip(path) as archive:
        try:
            core = archive.read(_CORE_PROPERTIES)[:1_000_000].decode("utf-8", errors="replace")
        except KeyError:
            return None
    match = _DC_TITLE_RE.search(core)
    return html.unescape(match.group(1)) if match else None


def _slide_count(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(1 for name in archive.namelist() if _SLIDE_RE.fullmatch(name))
