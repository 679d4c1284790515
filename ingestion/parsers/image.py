"""PNG, JPEG and TIFF: OCR of every frame (a TIFF page is a page)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.document import Element, ParsedDocument, ParseError
from ingestion.parsers import limits
from ingestion.parsers.ocr import ocr_image_file
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.paragraphs import split_paragraphs
from ingestion.parsers.unstructured_adapter import classify_paragraphs

if TYPE_CHECKING:
    from PIL.Image import Image as PillowImage

# 100 megapixels is a 300 dpi A0 scan; anything larger is a decompression bomb or not a document.
_MAX_PIXELS = 100_000_000
_OCR_MODES = {"1", "L", "RGB"}


def parse_image(path: Path, options: ParseOptions, file_type: str) -> ParsedDocument:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    elements: list[Element] = []
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image, tempfile.TemporaryDirectory(prefix="ocr-") as work_dir:
                frame_count = 0
                for frame_count, frame in enumerate(ImageSequence.Iterator(image), start=1):
                    if frame_count > limits.MAX_IMAGE_FRAMES:
                        notes.append(f"only the first {limits.MAX_IMAGE_FRAMES} pages were read")
                        frame_count -= 1
                        break
                    text = _ocr_frame(frame, Path(work_dir) / f"frame-{frame_count}.png", options)
                    elements += classify_paragraphs(split_paragraphs(text, join_hyphenated=True), frame_count)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ParseError(f"the image cannot be read or is too large: {error}") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ParseError(f"the image is damaged or truncated: {error}") from error
    if not elements:
        raise ParseError("no text was recognised in the image (OCR found nothing)")
    return ParsedDocument(path.stem, elements, file_type, page_count=frame_count, warnings=notes)


def _check_pixels(width: int, height: int) -> None:
    if width * height > _MAX_PIXELS:
        raise ParseError(
            f"the image is {width}×{height} pixels, over the OCR limit of {_MAX_PIXELS // 1_000_000} megapixels"
        )


def _ocr_frame(frame: PillowImage, png_path: Path, options: ParseOptions) -> str:
    from PIL import ImageOps

    _check_pixels(frame.width, frame.height)
    # Phone photos store their rotation in EXIF, which Tesseract ignores.
    upright = ImageOps.exif_transpose(frame) or frame
    if upright.mode not in _OCR_MODES:
        upright = upright.convert("RGB")
    upright.save(png_path, format="PNG")
    return ocr_image_file(png_path, options.ocr_languages)
