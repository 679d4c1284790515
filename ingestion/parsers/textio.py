"""Bytes to clean text: encoding guess (UTF-8, UTF-16, else Windows-1252), NUL and control bytes removed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.document import ParseError
from ingestion.parsers import limits

_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_text_file(path: Path) -> DecodedText:
    """Read and decode a text file whose size the caller has already bounded."""
    return decode_text(path.read_bytes())


def decode_text(data: bytes) -> DecodedText:
    warnings: list[str] = []
    text, encoding = _decode(data)
    nul_count = text.count("\x00")
    if nul_count:
        warnings.append(f"{nul_count} NUL characters removed (the file may be damaged)")
    text = clean_text(text)
    if len(text) > limits.MAX_DOCUMENT_CHARS:
        warnings.append(f"text truncated to its first {limits.MAX_DOCUMENT_CHARS} characters")
        text = text[: limits.MAX_DOCUMENT_CHARS]
    if not text.strip():
        raise ParseError("the file contains no text")
    return DecodedText(text=text, encoding=encoding, warnings=warnings)


def clean_text(text: str) -> str:
    """Normalise line ends and drop control characters that break tokenisers and storage."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARS_RE.sub("", text)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if _looks_like_bomless_utf16(data[:4096]):
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # French files that are not UTF-8 are almost always Windows-1252 (a superset of Latin-1).
    return data.decode("cp1252", errors="replace"), "cp1252"


def _looks_like_bomless_utf16(sample: bytes) -> bool:
    """ASCII-range UTF-16-LE text has a NUL in nearly every odd byte, which damaged text does not."""
    odd_bytes = sample[1::2]
    if len(odd_bytes) < 16:
        return False
    return odd_bytes.count(0) / len(odd_bytes) > 0.9 and sample[0::2].count(0) / len(odd_bytes) < 0.1
