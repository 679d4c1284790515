"""Zip-bomb guard for ZIP-based formats (DOCX, XLSX, PPTX, ODT, ODS), run before any library opens them."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ingestion.document import ParseError
from ingestion.parsers import limits

_READ_CHUNK = 1024 * 1024
_ZLIB_OUT_OF_MEMORY = "Error -4 "  # Z_MEM_ERROR: zlib could not allocate its window


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open the ZIP container, or explain that it is truncated or corrupt."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ParseError(
            f"the file is a damaged or truncated ZIP-based document (DOCX/XLSX/PPTX/ODT/ODS): {error}"
        ) from error


def check_zip_archive(path: Path) -> None:
    """Reject archives whose members would expand past the bounds in `limits`.

    Declared sizes are checked first (cheap), then every member is actually decompressed in
    bounded chunks so that a member lying about its size is caught before a parser trusts it.
    """
    with open_zip(path) as archive:
        members = archive.infolist()
        _check_declared_sizes(members)
        for member in members:
            _check_actual_size(archive, member)


def _check_declared_sizes(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise ParseError(f"the document archive holds {len(members)} files, over the limit of {limits.MAX_ZIP_MEMBERS}")
    total = sum(member.file_size for member in members)
    if total > limits.MAX_UNZIPPED_BYTES:
        raise ParseError(
            f"the document would expand to {total // 2**20} MB when unzipped, over the limit of "
            f"{limits.MAX_UNZIPPED_BYTES // 2**20} MB (possible zip bomb)"
        )
    # Per member, and over the whole archive (many small bombs add up to one big one).
    sizes = [(member.filename, member.file_size, member.compress_size) for member in members]
    sizes.append(("(all members)", total, sum(member.compress_size for member in members)))
    for name, expanded, packed in sizes:
        ratio = expanded / max(packed, 1)
        if expanded >= limits.RATIO_CHECK_MIN_BYTES and ratio > limits.MAX_COMPRESSION_RATIO:
            raise ParseError(
                f"the archive member {name!r} is compressed {ratio:.0f}:1, over the "
                f"limit of {limits.MAX_COMPRESSION_RATIO}:1 (possible zip bomb)"
            )


def _check_actual_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    # zipfile stops at the declared size and then verifies the CRC, so a member whose real
    # content is longer than declared fails here instead of expanding inside a parser.
    try:
        with archive.open(member) as stream:
            while stream.read(_READ_CHUNK):
                pass
    except zlib.error as error:
        if str(error).startswith(_ZLIB_OUT_OF_MEMORY):
            raise MemoryError(str(error)) from error
        raise ParseError(f"the archive member {member.filename!r} is damaged: {error}") from error
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise ParseError(
            f"the archive member {member.filename!r} is damaged or lies about its size: {error}"
        ) from error
