"""TXT, Markdown and HTML: decoded by us (encoding, NUL bytes, size), structured by unstructured."""

from __future__ import annotations

import html as html_entities
import re
from pathlib import Path

from ingestion.document import Element, ParsedDocument
from ingestion.parsers.elements import choose_title
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.paragraphs import split_paragraphs
from ingestion.parsers.textio import read_text_file
from ingestion.parsers.unstructured_adapter import (
    NO_LANGUAGE_DETECTION,
    classify_paragraphs,
    convert_elements,
)

_HTML_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_HTML_TAG_RE = re.compile(r"<[^>]{0,1000}>")


def parse_txt(path: Path, options: ParseOptions) -> ParsedDocument:
    decoded = read_text_file(path)
    elements = classify_paragraphs(split_paragraphs(decoded.text), page=None)
    return ParsedDocument(
        title=choose_title(None, elements, path),
        elements=elements,
        file_type="txt",
        warnings=decoded.warnings,
    )


def parse_markdown(path: Path, options: ParseOptions) -> ParsedDocument:
    from unstructured.partition.md import partition_md

    decoded = read_text_file(path)
    raw_elements = partition_md(text=decoded.text, languages=NO_LANGUAGE_DETECTION)
    elements = convert_elements(raw_elements, keep_pages=False)
    return ParsedDocument(
        title=choose_title(None, elements, path),
        elements=elements,
        file_type="md",
        warnings=decoded.warnings,
    )


def parse_html(path: Path, options: ParseOptions) -> ParsedDocument:
    decoded = read_text_file(path)
    elements = html_elements(decoded.text)
    return ParsedDocument(
        title=choose_title(html_title(decoded.text), elements, path),
        elements=elements,
        file_type="html",
        warnings=decoded.warnings,
    )


def html_elements(html: str) -> list[Element]:
    """Elements of an HTML document or fragment (also used for HTML mail bodies)."""
    from unstructured.partition.html import partition_html

    raw_elements = partition_html(text=html, languages=NO_LANGUAGE_DETECTION, skip_headers_and_footers=True)
    return convert_elements(raw_elements, keep_pages=False)


def html_title(html: str) -> str | None:
    match = _HTML_TITLE_RE.search(html[:100_000])
    return html_entities.unescape(_HTML_TAG_RE.sub("", match.group(1))) if match else None
