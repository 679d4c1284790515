"""Tesseract OCR of image files and of rendered PDF pages."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from ingestion.document import ParseError
from ingestion.parsers import limits
from ingestion.parsers.tools import run_tool

_POINTS_PER_INCH = 72
# Longest side of a rendered page; keeps a poster-sized page from needing gigabytes of pixels.
_MAX_RENDERED_SIDE_PX = 6_000
# Parallel parses already fill the cores; Tesseract's own threads would only contend with them.
_TESSERACT_ENV = {"OMP_THREAD_LIMIT": "1"}


def ocr_image_file(image_path: Path, languages: str) -> str:
    """Text Tesseract reads in an image file (PNG, JPEG, TIFF), in `languages` such as "fra+eng"."""
    check_ocr_languages(languages)
    output = run_tool(
        ["tesseract", str(image_path), "stdout", "-l", languages, "--psm", "3"],
        extra_env=_TESSERACT_ENV,
    )
    return output.decode("utf-8", errors="replace")


def ocr_pdf_page(pdf_path: Path, page_number: int, longest_side_pt: float, languages: str) -> str:
    """Render one PDF page with pdftoppm and OCR it."""
    dpi = _rendering_dpi(longest_side_pt)
    with tempfile.TemporaryDirectory(prefix="ocr-page-") as work_dir:
        image_prefix = Path(work_dir) / "page"
        page = str(page_number)
        run_tool(
            [
                *("pdftoppm", "-f", page, "-l", page, "-r", str(dpi), "-gray", "-png", "-singlefile"),
                *(str(pdf_path), str(image_prefix)),
            ]
        )
        return ocr_image_file(image_prefix.with_suffix(".png"), languages)


def _rendering_dpi(longest_side_pt: float) -> int:
    if longest_side_pt <= 0:
        return limits.OCR_DPI
    fitting_dpi = _MAX_RENDERED_SIDE_PX * _POINTS_PER_INCH / longest_side_pt
    return max(36, min(limits.OCR_DPI, int(fitting_dpi)))


def check_ocr_languages(languages: str) -> None:
    missing = [code for code in languages.split("+") if code and code not in installed_ocr_languages()]
    if missing:
        packages = " ".join(f"tesseract-ocr-{code}" for code in missing)
        raise ParseError(f"Tesseract has no data for language(s) {', '.join(missing)}; install {packages}")


@lru_cache(maxsize=1)
def installed_ocr_languages() -> frozenset[str]:
    listing = run_tool(["tesseract", "--list-langs"], timeout_s=30).decode("utf-8", errors="replace")
    # The first line is a header ("List of available languages in ...").
    return frozenset(line.strip() for line in listing.splitlines()[1:] if line.strip())
