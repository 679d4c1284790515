"""Between parsing and embedding: drop what is not language, and cap the chunks one file may produce.

Garbage is dropped twice, both cheap: whole elements before chunking (so a 5 MB token is never cut
into thousands of pieces whose tokens are counted), then chunks (short garbage elements end up in
chunks, where there is enough text to judge). A document left with no chunk is refused with the
reason; a document with some garbage keeps its text and says what was dropped in its warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ingestion.chunking import Chunk, Chunker
from ingestion.document import ParsedDocument
from ingestion.language import LanguageSignal, language_signal

NO_TEXT = "no text found in the file (empty, or images without OCR text)"


@dataclass
class Screened:
    """The chunks to embed and the document without its garbage elements, or why the file is refused;
    `warnings` says what was dropped."""

    document: ParsedDocument | None = None
    chunks: list[Chunk] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refusal: str | None = None


@dataclass
class _Dropped:
    count: int = 0
    characters: int = 0
    first: LanguageSignal | None = None

    def add(self, text: str, signal: LanguageSignal) -> None:
        self.count += 1
        self.characters += len(text)
        self.first = self.first or signal


def screen_and_chunk(parsed: ParsedDocument, chunker: Chunker, max_chunks: int) -> Screened:
    dropped = _Dropped()
    elements = []
    for element in parsed.elements:
        signal = language_signal(element.text)
        if signal.is_language:
            elements.append(element)
        else:
            dropped.add(element.text, signal)
    kept = replace(parsed, elements=elements)
    chunks: list[Chunk] = []
    judged_language = False
    for chunk in chunker.chunk(kept) if elements else []:
        signal = language_signal(chunk.text)
        if signal.is_language:
            chunks.append(replace(chunk, ordinal=len(chunks)))
            judged_language = judged_language or signal.judged
        else:
            dropped.add(chunk.text, signal)
    if dropped.first is not None and not judged_language:
        chunks = []  # only scraps too short to judge are left between the garbage (a base64 blob's last line)
    return _verdict(kept, chunks, dropped, max_chunks)


def _verdict(kept: ParsedDocument, chunks: list[Chunk], dropped: _Dropped, max_chunks: int) -> Screened:
    if not chunks:
        if dropped.first is None:
            return Screened(refusal=NO_TEXT)
        return Screened(refusal=f"the text does not look like language, nothing was indexed: {dropped.first.reason()}")
    if len(chunks) > max_chunks:
        return Screened(refusal=f"the file gives {len(chunks):,} chunks, over the limit of {max_chunks:,} per file "
                                "(ingestion.max_chunks_per_file): split the file or raise the limit")
    warnings = []
    if dropped.first is not None:
        warnings.append(f"{dropped.characters:,} characters that do not look like language were not indexed "
                        f"({dropped.count} passages; the first: {dropped.first.reason()})")
    return Screened(document=kept, chunks=chunks, warnings=warnings)
