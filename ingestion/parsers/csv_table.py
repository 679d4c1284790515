"""CSV as French administrations export it: `;` or `,` (or tab) separated, UTF-8 or Windows-1252."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from ingestion.document import ParsedDocument, ParseError
from ingestion.parsers.elements import table_elements
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.textio import read_text_file

_CANDIDATE_DELIMITERS = (";", ",", "\t", "|")
_SNIFFED_LINES = 50


def parse_csv(path: Path, options: ParseOptions) -> ParsedDocument:
    decoded = read_text_file(path)
    delimiter = guess_delimiter(decoded.text)
    reader = csv.reader(io.StringIO(decoded.text), delimiter=delimiter)
    try:
        elements = list(table_elements(reader))
    except csv.Error as error:
        raise ParseError(f"the CSV file is malformed: {error}") from error
    return ParsedDocument(title=path.stem, elements=elements, file_type="csv", warnings=decoded.warnings)


def guess_delimiter(text: str) -> str:
    """The candidate found the same non-zero number of times on most of the first lines.

    csv.Sniffer is unreliable on French data, where `,` is the decimal separator inside `;` files.
    """
    lines = [line for line in text.split("\n", _SNIFFED_LINES)[:_SNIFFED_LINES] if line.strip()]
    best, best_score = ",", 0
    for delimiter in _CANDIDATE_DELIMITERS:
        counts = Counter(line.count(delimiter) for line in lines)
        count, lines_with_count = counts.most_common(1)[0] if counts else (0, 0)
        score = lines_with_count if count > 0 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best
