"""Bounds that keep one hostile or enormous file from costing unbounded time or memory."""

from __future__ import annotations

from typing import Final

# An element longer than this is split; it also bounds the text fed to unstructured's classifier.
MAX_ELEMENT_CHARS: Final = 4_000
# Past this much extracted text the rest of the document is dropped with a warning.
MAX_DOCUMENT_CHARS: Final = 20_000_000

MAX_ZIP_MEMBERS: Final = 10_000
MAX_UNZIPPED_BYTES: Final = 1024 * 1024 * 1024
# Office XML compresses about 10:1, repetitive sheets up to ~100:1; zip bombs reach 1000:1.
MAX_COMPRESSION_RATIO: Final = 250
RATIO_CHECK_MIN_BYTES: Final = 1024 * 1024

MAX_ATTACHMENT_DEPTH: Final = 3
MAX_IMAGE_FRAMES: Final = 500
EXTERNAL_TOOL_TIMEOUT_S: Final = 300
OCR_DPI: Final = 300
