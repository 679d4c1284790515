"""Ingestion: discover → hash check → copy of the original → parse the copy (isolated) → chunk → embed → index,
file by file.

Each file is committed on its own, so a batch interrupted anywhere (even by kill -9) leaves every file
either fully at its old version or fully at its new one; running the same command again completes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.collection_access import groups_for_ingestion
from assistant.config import IngestionSettings
from assistant.embeddings import EmbeddingModel
from assistant.knowledge import KnowledgeBase, StoredChunk
from assistant.originals import OriginalNotStored, StagedOriginal
from ingestion.chunking import Chunker
from ingestion.discovery import Candidate, discover
from ingestion.document import ParsedDocument, ParseError
from ingestion.file_facts import file_sha256, is_disk_full, opening_text, source_name
from ingestion.outcomes import FileOutcome, IngestionHooks, IngestionReport, ProgressCallback
from ingestion.parsers import ParseOptions
from ingestion.sandbox import parse_isolated
from ingestion.screening import screen_and_chunk


class StorageFull(RuntimeError):
    """The disk is full: the batch stops, and what was committed before stays consistent."""


@dataclass(frozen=True)
class Embedded:
    """A file embedded and ready to commit."""

    staged: StagedOriginal
    document: DocumentToStore
    chunks: list[StoredChunk]
    opening: np.ndarray | None
    outcome: FileOutcome  # its outcome once committed


# What the worker hands over: the staged copy and its parse, or the file's outcome already (copy failed,
# or unchanged), with the seconds it took.
Prepared = tuple[FileOutcome | tuple[StagedOriginal, ParsedDocument | ParseError], float]


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
        # Three stages overlap: copy + parse of the next file (a thread; parsing in a child process), embedding
        # of this one (here), commit of the previous one (a thread). Commits stay in file order, one at a time.
        with (ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse") as pool,
              ThreadPoolExecutor(max_workers=1, thread_name_prefix="commit") as committer):
            work = [(c, self._triage(c, collection)) for c in candidates]
            todo = iter([c for c, triage in work if triage is None])
            pending = self._submit(pool, todo, collection)
            committing: Future[FileOutcome] | None = None
            for candidate, triage in work:
                if hooks.should_stop is not None and hooks.should_stop():
                    report.stopped = True
                    self._discard(pending)
                    break
                if hooks.on_begin is not None:
                    hooks.on_begin(candidate.path)
                if triage is not None:
                    self._record(report, triage, hooks.on_file)
                    continue
                assert pending is not None  # one was submitted for each file left to ingest
                prepared, seconds = pending.result()
                pending = self._submit(pool, todo, collection)
                report.seconds["parse"] += seconds
                embedded = self._index(candidate, prepared, collection, report)
                self._wait_commit(committing, report, hooks, abandon=embedded, pending=pending)
                committing = None
                if isinstance(embedded, FileOutcome):
                    self._record(report, embedded, hooks.on_file)
                else:
                    committing = committer.submit(self._commit, embedded, report)
            self._wait_commit(committing, report, hooks, abandon=None, pending=None)

    def _wait_commit(self, committing: Future[FileOutcome] | None, report: IngestionReport, hooks: IngestionHooks,
                     abandon: FileOutcome | Embedded | None, pending: Future[Prepared] | None) -> None:
        """Record the previous file's commit; if it failed (disk full), drop what was prepared after it."""
        if committing is None:
            return
        try:
            outcome = committing.result()
        except BaseException:
            if isinstance(abandon, Embedded):
                self._finalize(abandon.staged, None)
            self._discard(pending)
            raise
        self._record(report, outcome, hooks.on_file)

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
    ) -> FileOutcome | Embedded:
        """The file embedded and ready to commit, or its outcome (its staged copy then already dropped)."""
        if isinstance(prepared, FileOutcome):
            return prepared
        staged, parsed = prepared
        result: FileOutcome | Embedded = FileOutcome(candidate.path, "failed", "interrupted")
        try:
            result = self._embed(candidate, staged, parsed, collection, report)
        finally:
            if isinstance(result, FileOutcome):
                self._finalize(staged, None)
        return result

    def _finalize(self, staged: StagedOriginal, committed: FileOutcome | None) -> None:
        """Keep the staged copy of a committed file; drop it (and an unreferenced original) otherwise."""
        if committed is not None and committed.status == "ingested":
            self._kb.originals.keep(staged)
        staged.discard()
        if committed is None or committed.status != "ingested":
            self._kb.release_original(staged.digest)

    def _embed(
        self, candidate: Candidate, staged: StagedOriginal, parsed: ParsedDocument | ParseError, collection: str,
        report: IngestionReport,
    ) -> FileOutcome | Embedded:
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
        outcome = FileOutcome(candidate.path, "ingested", chunks=len(chunks), pages=parsed.page_count or 1,
                              warnings=warnings)
        return Embedded(staged, document, stored, vectors[len(chunks)] if opening else None, outcome)

    def _commit(self, embedded: Embedded, report: IngestionReport) -> FileOutcome:
        clock = time.perf_counter()
        committed: FileOutcome | None = None
        try:
            self._kb.store_document(embedded.document, embedded.chunks, embedded.opening)
            committed = embedded.outcome
        except Exception as exc:
            if is_disk_full(exc):
                path = embedded.outcome.path
                raise StorageFull(f"disk full while indexing {path}: ingestion stopped") from exc
            raise
        finally:
            self._finalize(embedded.staged, committed)
        report.seconds["index"] += time.perf_counter() - clock
        return embedded.outcome

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
