"""What an admin can tune about parsing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseOptions:
    ocr_languages: str = "fra+eng"
    ocr_min_chars_per_page: int = 20  # a PDF page with less text-layer text gets OCR'd
    max_file_mb: float = 200
