"""unstructured's elements to ours, and unstructured's (French-fixed) classifier for plain paragraphs.

unstructured is imported inside functions: importing it runs a telemetry request unless
`ingestion.french.opt_out_of_unstructured_network()` ran first, which `parse_file` guarantees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final

from ingestion.document import Element, ElementKind
from ingestion.parsers.elements import table_elements

if TYPE_CHECKING:
    from unstructured.documents.elements import Element as UnstructuredElement

_KIND_BY_CATEGORY: Final = {
    "Title": ElementKind.TITLE,
    "NarrativeText": ElementKind.NARRATIVE,
    "ListItem": ElementKind.LIST_ITEM,
    "Table": ElementKind.TABLE,
}
_SKIPPED_CATEGORIES: Final = frozenset({"PageBreak"})
# A "word" this long is not prose (base64, hashes, damaged text), and unstructured's address
# pattern takes ~50 ms per block on such runs: these blocks skip classification.
_OVERLONG_WORD_RE: Final = re.compile(r"\S{200}")
# Passing [""] tells unstructured to skip language detection, which we do not use.
NO_LANGUAGE_DETECTION: Final = [""]


def convert_elements(elements: Iterable[UnstructuredElement], keep_pages: bool) -> list[Element]:
    """Map categories to `ElementKind`; tables become row-by-row text; pages only where they are real."""
    converted: list[Element] = []
    for element in elements:
        if element.category in _SKIPPED_CATEGORIES:
            continue
        page = element.metadata.page_number if keep_pages else None
        converted.extend(_convert_one(element, page))
    return converted


def _convert_one(element: UnstructuredElement, page: int | None) -> Iterator[Element]:
    kind = _KIND_BY_CATEGORY.get(element.category, ElementKind.TEXT)
    html = element.metadata.text_as_html
    if kind is ElementKind.TABLE and html:
        yield from table_elements(html_table_rows(html), page)
        return
    # Depth only orders headings; unstructured's list nesting levels are not carried over.
    depth = (element.metadata.category_depth or 0) if kind is ElementKind.TITLE else 0
    yield Element(element.text, kind, page, depth)


def classify_paragraphs(paragraphs: Iterable[str], page: int | None) -> list[Element]:
    """Title / narrative / list item for each plain-text paragraph, by unstructured's heuristics."""
    from unstructured.partition.text import element_from_text

    classified: list[Element] = []
    for paragraph in paragraphs:
        if _OVERLONG_WORD_RE.search(paragraph):
            classified.append(Element(paragraph, ElementKind.TEXT, page))
            continue
        element = element_from_text(paragraph)
        kind = _KIND_BY_CATEGORY.get(element.category, ElementKind.TEXT)
        classified.append(Element(element.text, kind, page))
    return classified


def html_table_rows(html: str) -> list[list[str]]:
    """Cell texts of each `<tr>` of an HTML table, in document order."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (ValueError, etree.ParserError):
        return []
    return [[cell.text_content() for cell in row.iter("td", "th")] for row in root.iter("tr")]
