"""Reading a dataset file as the public sector publishes it: CSV in any separator and encoding, with `#`
comment lines and several header lines; XLSX and ODS sheets. Cells stay text here (typing is `columns.py`)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from assistant.analysis.text import fold

SEPARATORS = (";", "\t", ",", "|")
_NUMERIC_CELL = re.compile(r"^[+\-−]?\d[\d\s  .,]*%?$")
_SNIFF_LINES = 60
_MAX_HEADER_ROWS = 5


class DatasetFileError(ValueError):
    """The file cannot be read as a table; the message names the file and says why."""


@dataclass(frozen=True)
class RawTable:
    headers: list[str]          # the names of the columns, from the last header line
    labels: list[str]           # a longer label per column (an earlier header line, or the last `#` line)
    frame: pd.DataFrame         # every cell as text, columns in file order (named 0..n-1)
    notes: list[str]            # the `#` comment lines (source, date...)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    formats = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods",
               ".parquet": "parquet", ".pq": "parquet"}
    if suffix not in formats:
        raise DatasetFileError(f"{path}: unsupported format '{suffix}' (CSV, XLSX, ODS or Parquet)")
    return formats[suffix]


def decode(data: bytes, encoding: str | None = None) -> str:
    """UTF-8 (BOM or not), else Windows-1252 (a superset of Latin-1 for French text)."""
    if encoding:
        return data.decode(encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_separator(lines: list[str]) -> str:
    """The separator that splits the sample into the same number (> 1) of fields on the most lines."""
    best, best_score = ";", -1.0
    for separator in SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=separator)]
        if not counts or max(counts) < 2:
            continue
        modal = max(set(counts), key=counts.count)
        score = counts.count(modal) / len(counts) + (0.001 * modal if modal > 1 else 0)
        if score > best_score + 1e-9:
            best, best_score = separator, score
    return best


def _is_numeric(cell: str) -> bool:
    return bool(_NUMERIC_CELL.match(cell.strip())) and any(ch.isdigit() for ch in cell)


def count_header_rows(rows: list[list[str]]) -> int:
    """Leading rows without any numeric cell are headers (at most 5; 1 when no row has a number)."""
    for index, row in enumerate(rows[: _MAX_HEADER_ROWS + 1]):
        if any(_is_numeric(cell) for cell in row):
            return max(1, index)
    return 1


def _split_comments(lines: list[str]) -> tuple[list[str], list[str]]:
    notes, rest, start = [], [], 0
    for start, line in enumerate(lines):  # noqa: B007  (start is the first line that is not a comment)
        stripped = line.strip()
        if stripped.startswith("#"):
            notes.append(stripped.lstrip("#").strip())
        elif stripped:
            break
    else:
        start = len(lines)
    rest = [line for line in lines[start:] if line.strip() and not line.lstrip().startswith("#")]
    return notes, rest


def read_csv(path: Path, separator: str | None = None, encoding: str | None = None,
             header_rows: int | None = None) -> RawTable:
    try:
        text = decode(path.read_bytes(), encoding)
    except (OSError, LookupError, UnicodeDecodeError) as exc:
        raise DatasetFileError(f"{path}: cannot read: {exc}") from exc
    notes, lines = _split_comments(text.splitlines())
    if not lines:
        raise DatasetFileError(f"{path}: no table in the file (empty, or only comment lines)")
    separator = separator or sniff_separator(lines[:_SNIFF_LINES])
    sample = list(csv.reader(lines[: _MAX_HEADER_ROWS + 1], delimiter=separator))
    count = header_rows or count_header_rows(sample)
    try:
        frame = pd.read_csv(io.StringIO("\n".join(lines[count:])), sep=separator, header=None, dtype=str,
                            keep_default_na=False, skip_blank_lines=True, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise DatasetFileError(f"{path}: not a regular table with separator {separator!r}: {exc}") from exc
    return _raw_table(path, sample[:count], frame, notes)


def read_sheet(path: Path, engine: str, sheet: str | None = None, header_rows: int | None = None) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, header=None, dtype=str,
                              engine=engine, keep_default_na=False)
    except Exception as exc:  # openpyxl and odfpy raise anything from zip errors to KeyError
        raise DatasetFileError(f"{path}: cannot read the sheet: {exc}") from exc
    frame = frame.fillna("").astype(str)
    first = frame.iloc[:, 0].str.strip()
    notes = [cell.lstrip("#").strip() for cell in first[first.str.startswith("#")]]
    frame = frame[~first.str.startswith("#") & (frame != "").any(axis=1)].reset_index(drop=True)
    if frame.empty:
        raise DatasetFileError(f"{path}: the sheet is empty")
    head = frame.head(_MAX_HEADER_ROWS + 1).values.tolist()
    count = header_rows or count_header_rows(head)
    body = frame.iloc[count:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    return _raw_table(path, head[:count], body, notes)


def _raw_table(path: Path, header_lines: list[list[str]], frame: pd.DataFrame, notes: list[str]) -> RawTable:
    width = frame.shape[1]
    if width < 1 or frame.empty:
        raise DatasetFileError(f"{path}: the table has no data rows")
    headers = _cells(header_lines[-1], width)
    labels = _cells(header_lines[0], width) if len(header_lines) > 1 else _labels_from_notes(notes, width)
    if all(not header for header in headers):
        raise DatasetFileError(f"{path}: the header line names no column")
    return RawTable(headers, labels, frame, notes)


def _cells(row: list[str], width: int) -> list[str]:
    cells = [str(cell).strip() for cell in row][:width]
    return cells + [""] * (width - len(cells))


def _labels_from_notes(notes: list[str], width: int) -> list[str]:
    """INSEE puts the long column labels in the last comment line, with the table's separator."""
    if not notes:
        return [""] * width
    for separator in SEPARATORS:
        cells = next(csv.reader([notes[-1]], delimiter=separator))
        if len(cells) == width:
            return [cell.strip() for cell in cells]
    return [""] * width


def column_keys(headers: list[str]) -> list[str]:
    """SQL-friendly, unique keys: `Population comptée à part` -> `population_comptee_a_part`."""
    keys: list[str] = []
    for index, header in enumerate(headers):
        key = re.sub(r"[^a-z0-9_]", "", fold(header).replace(" ", "_")) or f"colonne_{index + 1}"
        if key[0].isdigit():
            key = f"c_{key}"
        candidate, suffix = key, 2
        while candidate in keys:
            candidate, suffix = f"{key}_{suffix}", suffix + 1
        keys.append(candidate)
    return keys
