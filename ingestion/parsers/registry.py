"""Which parser reads which file type, and the checks every file goes through first."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Final

from ingestion.document import ParsedDocument, ParseError
from ingestion.french import install_french_nlp
from ingestion.parsers import limits
from ingestion.parsers.archive import check_zip_archive
from ingestion.parsers.csv_table import parse_csv
from ingestion.parsers.detect import detect_file_type
from ingestion.parsers.finalize import finalize_document
from ingestion.parsers.image import parse_image
from ingestion.parsers.mail import mail_document
from ingestion.parsers.mail_readers import read_eml, read_msg
from ingestion.parsers.office import parse_converted_to_docx, parse_docx, parse_pptx
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.pdf import parse_pdf
from ingestion.parsers.spreadsheet import parse_ods, parse_xls, parse_xlsx
from ingestion.parsers.text import parse_html, parse_markdown, parse_txt

Parser = Callable[[Path, ParseOptions], ParsedDocument]

SUPPORTED_SUFFIXES: Final = frozenset(
    {".pdf", ".docx", ".doc", ".odt", ".ods", ".xlsx", ".xls", ".csv", ".tsv", ".pptx", ".html", ".htm"}
    | {".md", ".markdown", ".txt", ".eml", ".msg", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
)
_PARSERS: Final[dict[str, Parser]] = {
    "pdf": parse_pdf,
    "docx": parse_docx,
    "doc": partial(parse_converted_to_docx, file_type="doc"),
    "odt": partial(parse_converted_to_docx, file_type="odt"),
    "pptx": parse_pptx,
    "xlsx": parse_xlsx,
    "xls": parse_xls,
    "ods": parse_ods,
    "csv": parse_csv,
    "txt": parse_txt,
    "md": parse_markdown,
    "html": parse_html,
    "png": partial(parse_image, file_type="png"),
    "jpeg": partial(parse_image, file_type="jpeg"),
    "tiff": partial(parse_image, file_type="tiff"),
}
_ZIP_BASED_TYPES: Final = frozenset({"docx", "xlsx", "pptx", "odt", "ods"})


def parse_file(path: Path, options: ParseOptions) -> ParsedDocument:
    """Parse one file in this process; any failure an admin should see is a ParseError."""
    return _parse(path, options, attachment_depth=0)


def _parse(path: Path, options: ParseOptions, attachment_depth: int) -> ParsedDocument:
    check_file_size(path, options)
    file_type = detect_file_type(path)
    install_french_nlp()
    try:
        if file_type in _ZIP_BASED_TYPES:
            check_zip_archive(path)
        document = _dispatch(path, options, file_type, attachment_depth)
    except (ParseError, MemoryError):
        raise
    except Exception as error:  # a library's own exception type says nothing to an admin
        if _caused_by_memory(error):
            raise MemoryError(str(error)) from error
        detail = f"{type(error).__name__}: {error}"[:300]
        raise ParseError(f"the {file_type.upper()} file could not be read ({detail})") from error
    return finalize_document(document, path)


def _dispatch(path: Path, options: ParseOptions, file_type: str, attachment_depth: int) -> ParsedDocument:
    if file_type in ("eml", "msg"):
        content = read_eml(path) if file_type == "eml" else read_msg(path)
        parse_attachment = partial(_parse_attachment, options=options, depth=attachment_depth + 1)
        return mail_document(content, path, file_type, parse_attachment)
    return _PARSERS[file_type](path, options)


def _parse_attachment(path: Path, options: ParseOptions, depth: int) -> ParsedDocument:
    if depth > limits.MAX_ATTACHMENT_DEPTH:
        raise ParseError(f"attachments nested more than {limits.MAX_ATTACHMENT_DEPTH} levels deep")
    return _parse(path, options, attachment_depth=depth)


def _caused_by_memory(error: BaseException) -> bool:
    """C extensions often turn a failed allocation into SystemError or their own error type."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def check_file_size(path: Path, options: ParseOptions) -> None:
    if not path.is_file():
        raise ParseError("the file does not exist or is not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise ParseError("the file is empty")
    if size > options.max_file_mb * 1024 * 1024:
        raise ParseError(f"the file is {size / 2**20:.1f} MB, over the {options.max_file_mb:g} MB limit")
