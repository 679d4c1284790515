"""Ingestion: discover → hash check → copy of the original → parse the copy (isolated) → chunk → embed → index,
file by file.

Each file is committed on its own, so a batch interrupted anywhere (even by kill -9) leaves every file
either fully at its old version or fully at its new one; running the same command again completes it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.collection_access import groups_for_ingestion
from assistant.config import IngestionSettings
from assistant.embeddings import EmbeddingModel
from assistant.knowledge import KnowledgeBase, StoredChunk
from assistant.originals import OriginalNotStored, StagedOriginal
from ingestion.chunking import Chunker
from ingestion.discovery import Candidate, discover
from ingestion.document import ParsedDocument, ParseError
from ingestion.parsers import ParseOptions
from ingestion.sandbox import parse_isolated
from ingestion.screening import screen_and_chunk

_MAX_SOURCE_NAME = 500  # the catalog's column


class StorageFull(RuntimeError):
    """The disk is full: the batch stops, and what was committed before stays consistent."""


@dataclass
class FileOutcome:
    path: Path
    status: str  # "ingested" | "unchanged" | "failed"
    reason: str = ""
    chunks: int = 0
    pages: int = 0
    warnings: list[str] = field(default_factory=list)  # the parser's and the screening's notes


@dataclass
class IngestionReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: {"parse": 0.0, "embed": 0.0, "index": 0.0})
    aborted: str | None = None
    stopped: bool = False  # `should_stop` said so: the files after the last outcome were not looked at

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failures(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    @property
    def chunks_added(self) -> int:
        return sum(outcome.chunks for outcome in self.outcomes if outcome.status == "ingested")

    @property
    def pages(self) -> int:
        return sum(outcome.pages for outcome in self.outcomes if outcome.status == "ingested")


ProgressCallback = Callable[[FileOutcome], None]


@dataclass(frozen=True)
class IngestionHooks:
    """What a caller following an ingestion (a job, the CLI) is told, and how it stops it between two files."""

    on_start: Callable[[int], None] | None = None  # the number of files found
    on_begin: Callable[[Path], None] | None = None  # this file is being worked on
    on_file: ProgressCallback | None = None  # this file is done
    should_stop: Callable[[], bool] | None = None  # asked before each file; True stops the batch there
# What the worker hands over: the staged copy and its parse, or the file's outcome already (copy failed,
# or unchanged), with the seconds it took.
Prepared = tuple[FileOutcome | tuple[StagedOriginal, ParsedDocument | ParseError], float]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def opening_text(parsed: ParsedDocument, limit: int) -> str:
    """The document's title and first lines: what it is about, as its author put it up front."""
    if limit <= 0:
        return ""
    body = "\n".join(element.text.strip() for element in parsed.elements if element.text.strip())[:limit]
    if not body:
        return ""
    return body if body.startswith(parsed.title) else f"{parsed.title}\n{body}"


def source_name(candidate: Candidate) -> str:
    """The file's path relative to the folder it was ingested from: what agents see (never the server path)."""
    try:
        relative = candidate.path.relative_to(candidate.root).as_posix()
    except ValueError:
        return candidate.path.name
    return relative if 0 < len(relative) <= _MAX_SOURCE_NAME else candidate.path.name


def _is_disk_full(error: BaseException) -> bool:
    text = str(error).lower()
    return getattr(error, "errno", None) == 28 or "disk is full" in text or "no space left" in text


class Ingestor:
    def __init__(self, knowledge: KnowledgeBase, embeddings: EmbeddingModel, settings: IngestionSettings) -> None:
        self._kb = knowledge
        self._embeddings = embeddings
        self._settings = settings
        self._chunker = Chunker(embeddings.count_tokens, settings.chunk_tokens, embeddings.max_tokens)
        self._parse_options = ParseOptions(
            ocr_languages=settings.ocr_languages,
            ocr_min_chars_per_page=settings.ocr_min_chars_per_page,
            max_file_mb=settings.max_file_mb,
        )

    def ingest(
        self,
        paths: Sequence[Path],
        collection: str,
        groups: Sequence[str] | None = None,
        sync: bool = False,
        on_file: ProgressCallback | None = None,
        on_start: Callable[[int], None] | None = None,
        public: bool = False,
        hooks: IngestionHooks | None = None,
        only: Collection[str] | None = None,
    ) -> IngestionReport:
        """`groups` / `public`: who may read a new collection (an existing one keeps its readers, see
        assistant.collection_access; AccessChoiceError when they are missing or would change).
        `only`: ingest only these files (absolute paths) of the folders, e.g. the ones that failed before;
        `sync` is then ignored. A batch stopped by `hooks.should_stop` removes nothing either."""
        hooks = hooks or IngestionHooks(on_start=on_start, on_file=on_file)
        catalog = self._kb.catalog
        readers = groups_for_ingestion(catalog.collection(collection), collection, groups, public,
                                       self._settings.default_groups)
        catalog.ensure_collection(collection, readers)
        self._kb.reconcile(collection)
        report = IngestionReport()
        candidates = list(discover(paths))
        if only is not None:
            wanted = set(only)
            candidates = [candidate for candidate in candidates if str(candidate.path) in wanted]
        if hooks.on_start is not None:
            hooks.on_start(len(candidates))
        try:
            self._ingest_all(candidates, collection, report, hooks)
            if sync and only is None and not report.stopped:
                report.removed = self._remove_vanished(paths, candidates, collection)
        except StorageFull as exc:
            report.aborted = str(exc)
        finally:
            self._kb.refresh_lexical(collection)
        return report

    def _ingest_all(
        self, candidates: list[Candidate], collection: str, report: IngestionReport, hooks: IngestionHooks,
    ) -> None:
        # Copy + parse run in a worker (parsing in a child process): the next file is prepared while this
        # one is embedded.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse") as pool:
            work = [(c, self._triage(c, collection)) for c in candidates]
            todo = iter([c for c, triage in work if triage is None])
            pending = self._submit(pool, todo, collection)
            for candidate, triage in work:
                if hooks.should_stop is not None and hooks.should_stop():
                    report.stopped = True
                    self._discard(pending)
                    return
                if hooks.on_begin is not None:
                    hooks.on_begin(candidate.path)
                if triage is not None:
                    self._record(report, triage, hooks.on_file)
                    continue
                assert pending is not None  # one was submitted for each file left to ingest
                prepared, seconds = pending.result()
                pending = self._submit(pool, todo, collection)
                report.seconds["parse"] += seconds
                self._record(report, self._index(candidate, prepared, collection, report), hooks.on_file)

    def _discard(self, pending: Future[Prepared] | None) -> None:
        """The file prepared ahead of a stop is not indexed: its staged copy goes."""
        if pending is None:
            return
        prepared, _ = pending.result()
        if not isinstance(prepared, FileOutcome):
            staged, _parsed = prepared
            staged.discard()
            self._kb.release_original(staged.digest)

    def _submit(self, pool: ThreadPoolExecutor, todo: Iterator[Candidate], collection: str) -> Future[Prepared] | None:
        candidate = next(todo, None)
        return None if candidate is None else pool.submit(self._prepare, candidate, collection)

    @staticmethod
    def _record(report: IngestionReport, outcome: FileOutcome, on_file: ProgressCallback | None) -> None:
        report.outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)

    def _triage(self, candidate: Candidate, collection: str) -> FileOutcome | None:
        """None when the file must be (re)ingested, else its outcome (refused or unchanged)."""
        if candidate.reason:
            return FileOutcome(candidate.path, "failed", candidate.reason)
        try:
            size = candidate.path.stat().st_size
            if size > self._settings.max_file_mb * 1024 * 1024:
                return FileOutcome(candidate.path, "failed", f"file larger than {self._settings.max_file_mb} MB")
            digest = file_sha256(candidate.path)
        except OSError as exc:
            return FileOutcome(candidate.path, "failed", f"cannot read the file: {exc.strerror or exc}")
        existing = self._kb.catalog.document(document_id_for(collection, str(candidate.path)))
        if existing is not None and existing.content_hash == digest and self._kb.originals.has(digest):
            return FileOutcome(candidate.path, "unchanged")
        return None

    def _prepare(self, candidate: Candidate, collection: str) -> Prepared:
        """Copy the file into the originals store, then parse that copy (never the file, which may change)."""
        started = time.perf_counter()
        try:
            staged = self._kb.originals.stage(candidate.path)
        except OriginalNotStored as exc:
            return FileOutcome(candidate.path, "failed", exc.strerror or str(exc)), 0.0
        existing = self._kb.catalog.document(document_id_for(collection, str(candidate.path)))
        if existing is not None and existing.content_hash == staged.digest:
            staged.discard()  # indexed by a previous release, which kept no copy: it has one now
            return FileOutcome(candidate.path, "unchanged"), 0.0
        try:
            parsed: ParsedDocument | ParseError = parse_isolated(
                staged.path, self._parse_options, self._settings.parse_timeout_s, self._settings.parse_memory_mb
            )
        except ParseError as exc:
            parsed = exc
        return (staged, parsed), time.perf_counter() - started

    def _index(
        self, candidate: Candidate, prepared: FileOutcome | tuple[StagedOriginal, ParsedDocument | ParseError],
        collection: str, report: IngestionReport,
    ) -> FileOutcome:
        if isinstance(prepared, FileOutcome):
            return prepared
        staged, parsed = prepared
        outcome = FileOutcome(candidate.path, "failed", "interrupted")
        try:
            outcome = self._index_parsed(candidate, staged, parsed, collection, report)
        finally:
            if outcome.status == "ingested":
                self._kb.originals.keep(staged)
            staged.discard()
            if outcome.status != "ingested":
                self._kb.release_original(staged.digest)
        return outcome

    def _index_parsed(
        self, candidate: Candidate, staged: StagedOriginal, parsed: ParsedDocument | ParseError, collection: str,
        report: IngestionReport,
    ) -> FileOutcome:
        if isinstance(parsed, ParseError):
            return FileOutcome(candidate.path, "failed", str(parsed))
        screened = screen_and_chunk(parsed, self._chunker, self._settings.max_chunks_per_file)
        warnings = parsed.warnings + screened.warnings
        if screened.refusal is not None or screened.document is None:
            return FileOutcome(candidate.path, "failed", screened.refusal or "", warnings=warnings)
        chunks = screened.chunks
        clock = time.perf_counter()
        opening = opening_text(screened.document, self._settings.opening_chars)
        texts = [chunk.indexed_text for chunk in chunks] + ([opening] if opening else [])
        vectors = self._embeddings.embed_passages(texts)
        report.seconds["embed"] += time.perf_counter() - clock
        document = self._document(candidate, staged, parsed, collection)
        digest = staged.digest
        stored = [
            StoredChunk(ChunkToStore(f"{document.id}-{digest[:12]}-{c.ordinal}", c.ordinal, c.text,
                                     c.indexed_text, c.page, c.section), vectors[i])
            for i, c in enumerate(chunks)
        ]
        clock = time.perf_counter()
        try:
            self._kb.store_document(document, stored, vectors[len(chunks)] if opening else None)
        except Exception as exc:
            if _is_disk_full(exc):
                raise StorageFull(f"disk full while indexing {candidate.path}: ingestion stopped") from exc
            raise
        report.seconds["index"] += time.perf_counter() - clock
        return FileOutcome(candidate.path, "ingested", chunks=len(chunks), pages=parsed.page_count or 1,
                           warnings=warnings)

    @staticmethod
    def _document(
        candidate: Candidate, staged: StagedOriginal, parsed: ParsedDocument, collection: str
    ) -> DocumentToStore:
        return DocumentToStore(
            id=document_id_for(collection, str(candidate.path)), collection=collection, path=str(candidate.path),
            source_name=source_name(candidate), title=parsed.title, file_type=parsed.file_type,
            content_hash=staged.digest, size_bytes=staged.size, page_count=parsed.page_count,
        )

    def _remove_vanished(self, paths: Sequence[Path], candidates: Iterable[Candidate], collection: str) -> list[str]:
        roots = [path.resolve() for path in paths if path.is_dir()]
        present = {str(candidate.path) for candidate in candidates}
        removed = []
        for document in self._kb.catalog.documents(collection):
            inside = any(Path(document.path).is_relative_to(root) for root in roots)
            if inside and document.path not in present:
                self._kb.remove_document(document.id)
                removed.append(document.path)
        return removed
