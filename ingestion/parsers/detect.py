"""File type by content (magic bytes, ZIP members, OLE streams); the extension only splits text formats."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingestion.document import ParseError
from ingestion.parsers.archive import open_zip

_HEAD_BYTES = 64 * 1024
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OPENDOCUMENT_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_OOXML_MAIN_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
_TEXT_SUFFIX_TYPES = {
    ".md": "md",
    ".markdown": "md",
    ".csv": "csv",
    ".tsv": "csv",
    ".html": "html",
    ".htm": "html",
}
_MAIL_HEADERS = {"from", "date", "received", "message-id", "mime-version", "return-path", "subject", "to"}
_HEADER_LINE_RE = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*):[ \t]")
_HTML_START_RE = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
# Control bytes that never appear in real text; NUL is counted apart because damaged text has some.
_BINARY_BYTES = frozenset(range(0x01, 0x09)) | frozenset(range(0x0E, 0x1B)) | frozenset(range(0x1C, 0x20))


def detect_file_type(path: Path) -> str:
    """Name the format of `path` from its bytes; raise ParseError if it is empty or unsupported."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD_BYTES)
    except OSError as error:
        raise ParseError(f"the file cannot be read: {error.strerror or error}") from error
    if not head:
        raise ParseError("the file is empty")
    binary_type = _binary_type(path, head)
    if binary_type is not None:
        return binary_type
    if not looks_like_text(head):
        raise ParseError(f"unsupported file format ({_describe(head)})")
    return _text_type(head, path.suffix.lower())


def _binary_type(path: Path, head: bytes) -> str | None:
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_document_type(path)
    if head.startswith(_OLE_SIGNATURE):
        return _ole_document_type(path)
    return None


def _zip_document_type(path: Path) -> str:
    with open_zip(path) as archive:
        names = set(archive.namelist())
        for part, file_type in _OOXML_MAIN_PARTS.items():
            if part in names:
                return file_type
        if "mimetype" in names:
            mimetype = _read_small_member(archive, "mimetype")
            if mimetype in _OPENDOCUMENT_TYPES:
                return _OPENDOCUMENT_TYPES[mimetype]
            raise ParseError(f"unsupported OpenDocument type {mimetype!r}; only ODT and ODS are indexed")
    raise ParseError("the file is a ZIP archive, not a Word, Excel, PowerPoint or OpenDocument file")


def _read_small_member(archive: zipfile.ZipFile, name: str) -> str:
    with archive.open(name) as stream:
        return stream.read(200).decode("ascii", errors="replace").strip()


def _ole_document_type(path: Path) -> str:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except (OSError, ValueError, IndexError) as error:
        raise ParseError(f"the file is a damaged Microsoft Office (OLE) document: {error}") from error
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise ParseError("the Office document is password-protected (encrypted); ask for an unprotected copy")
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "__properties_version1.0" in streams or any(name.startswith("__substg1.0_") for name in streams):
        return "msg"
    if "PowerPoint Document" in streams:
        raise ParseError("PowerPoint 97-2003 (.ppt) files are not supported; save the file as PPTX")
    raise ParseError("unsupported Microsoft Office (OLE) document type")


def looks_like_text(sample: bytes) -> bool:
    """True for text in any ASCII-compatible or UTF-16 encoding, even with some NUL bytes in it."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    without_nul = sample.replace(b"\x00", b"")
    if not without_nul:
        return False
    suspicious = sum(1 for byte in without_nul if byte in _BINARY_BYTES)
    return suspicious / len(without_nul) < 0.02


def _text_type(head: bytes, suffix: str) -> str:
    start = head.lstrip(b"\xef\xbb\xbf").replace(b"\x00", b"")
    if _HTML_START_RE.match(start[:4096]):
        return "html"
    if _looks_like_mail(start):
        return "eml"
    return _TEXT_SUFFIX_TYPES.get(suffix, "txt")


def _looks_like_mail(start: bytes) -> bool:
    """An RFC 5322 message starts with a block of `Name: value` headers, some of them mail-specific."""
    seen: set[str] = set()
    for line in start.splitlines()[:60]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue
        match = _HEADER_LINE_RE.match(line)
        if match is None:
            return False
        seen.add(match.group(1).decode("ascii").lower())
    return len(seen & _MAIL_HEADERS) >= 2 and bool(seen & {"from", "received", "message-id"})


def _describe(head: bytes) -> str:
    """libmagic's description of the content, for the admin reading the error."""
    try:
        import magic

        return str(magic.from_buffer(head))
    except Exception:  # the description is a courtesy; never let it hide the real error
        return "binary content of an unknown type"
