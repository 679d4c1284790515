"""Workbooks (XLSX, XLS, ODS): one section per sheet, a TITLE with its name then its rows as tables."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.document import Element, ElementKind, ParsedDocument, ParseError
from ingestion.parsers import limits
from ingestion.parsers.archive import check_zip_archive
from ingestion.parsers.elements import choose_title, clean_metadata_title, table_elements
from ingestion.parsers.libreoffice import convert_with_libreoffice
from ingestion.parsers.options import ParseOptions

if TYPE_CHECKING:
    from xlrd.sheet import Sheet as XlsSheet

Sheet = tuple[str, Iterable[Sequence[object]]]


def parse_xlsx(path: Path, options: ParseOptions, file_type: str = "xlsx") -> ParsedDocument:
    import openpyxl

    # read_only streams rows instead of building every cell object; data_only gives formula results.
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = ((sheet.title, sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets)
        elements, notes = workbook_elements(sheets)
        metadata_title = workbook.properties.title
    finally:
        workbook.close()
    return ParsedDocument(
        title=choose_title(metadata_title, [], path),
        elements=elements,
        file_type=file_type,
        warnings=notes,
    )


def parse_xls(path: Path, options: ParseOptions) -> ParsedDocument:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.XLRDError as error:
        raise ParseError(f"the XLS workbook cannot be read: {error}") from error
    try:
        sheets = ((sheet.name, _xls_rows(sheet, book.datemode)) for sheet in book.sheets())
        elements, notes = workbook_elements(sheets)
    finally:
        book.release_resources()
    title = choose_title(None, [], path)
    return ParsedDocument(title=title, elements=elements, file_type="xls", warnings=notes)


def parse_ods(path: Path, options: ParseOptions) -> ParsedDocument:
    with tempfile.TemporaryDirectory(prefix="convert-") as work_dir:
        converted = convert_with_libreoffice(path, "ods", "xlsx", Path(work_dir))
        check_zip_archive(converted)
        document = parse_xlsx(converted, options, file_type="ods")
    if not clean_metadata_title(document.title) or document.title == converted.stem:
        document.title = choose_title(None, [], path)
    return document


def workbook_elements(sheets: Iterable[Sheet]) -> tuple[list[Element], list[str]]:
    """A TITLE per non-empty sheet followed by its TABLE chunks, within the document size budget."""
    elements: list[Element] = []
    total_chars = 0
    for name, rows in sheets:
        sheet_title = Element(name, ElementKind.TITLE)
        tables = table_elements([cell_text(value) for value in row] for row in rows)
        for index, table in enumerate(tables):
            if index == 0:
                elements.append(sheet_title)
            elements.append(table)
            total_chars += len(table.text)
            if total_chars > limits.MAX_DOCUMENT_CHARS:
                return elements, [f"workbook truncated after {limits.MAX_DOCUMENT_CHARS} characters"]
    return elements, []


def cell_text(value: object) -> str:
    """A cell as a person reads it: whole numbers without ".0", dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y" if value.time() == dt.time() else "%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _xls_rows(sheet: XlsSheet, datemode: int) -> Iterator[list[object]]:
    import xlrd

    for row_index in range(sheet.nrows):
        row: list[object] = []
        for cell in sheet.row(row_index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(_xls_date(cell.value, datemode))
            else:
                row.append(cell.value)
        yield row


def _xls_date(value: float, datemode: int) -> object:
    import xlrd

    try:
        return xlrd.xldate.xldate_as_datetime(value, datemode)
    except (xlrd.xldate.XLDateError, OverflowError, ValueError):
        return value
