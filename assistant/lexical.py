"""French lexical search: BM25 (bm25s) over stemmed, accent-folded tokens, one index per collection.

The index is derived from the catalog and stamped with the collection's generation: a stale or missing
index (after a crash, or another process's ingestion) is rebuilt from the catalog before it is used.
The index folder is shared by every process on the data directory: a rebuild, or a read of the folder,
holds the collection's lock file, so that of several workers finding it stale one rebuilds it and the
others read the result.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.ranking import top_indices
from assistant.vectorstore import chroma_collection_name

_WORD = re.compile(r"\w+", re.UNICODE)
# Elisions: "l'eau" -> "eau", "qu'est" -> "est".
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class FrenchAnalyzer:
    """Lower-case, drop elisions and stop words, Snowball-stem, then fold accents."""

    @cached_property
    def _stemmer(self) -> Any:
        import Stemmer

        return Stemmer.Stemmer("french")

    @cached_property
    def _stopwords(self) -> frozenset[str]:
        from bm25s.stopwords import STOPWORDS_FRENCH

        words = set(STOPWORDS_FRENCH)
        return frozenset(words | {fold_accents(word) for word in words})

    def tokens(self, text: str) -> list[str]:
        words = [_singular(word) for word in _WORD.findall(_ELISION.sub(" ", text.lower()))
                 if word not in self._stopwords]
        return [fold_accents(stem) for stem in self._stemmer.stemWords(words)]


def _singular(word: str) -> str:
    # Snowball keeps the plural "s" after a vowel ("vélos", "bureaux" aside): drop it before stemming.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class LexicalHit:
    """A passage (or, from a document-level search, a whole document: then `chunk_id` is empty)."""

    chunk_id: str
    document_id: str
    score: float


# (chunk id, document id, indexed text, text), grouped by document in reading order.
LexicalSource = Callable[[str], Sequence[tuple[str, str, str, str]]]


class _Level:
    """One BM25 index (over passages or over documents) and the ids of its rows."""

    def __init__(self, retriever: Any, ids: list[str], documents: list[str]) -> None:
        self.retriever = retriever
        self.ids = ids
        self.documents = documents
        self.vocabulary: dict[str, int] = retriever.vocab_dict if retriever is not None else {}

    @cached_property
    def document_of(self) -> dict[str, str]:
        return dict(zip(self.ids, self.documents, strict=True))

    @cached_property
    def first_chunk_of(self) -> dict[str, str]:
        """Document id -> its first chunk (rows are stored by document, in reading order)."""
        first: dict[str, str] = {}
        for chunk_id, document_id in zip(self.ids, self.documents, strict=True):
            first.setdefault(document_id, chunk_id)
        return first


class _LoadedIndex:
    def __init__(self, generation: int, chunks: _Level, documents: _Level) -> None:
        self.generation = generation
        self.chunks = chunks
        self.documents = documents


def _document_texts(entries: Sequence[tuple[str, str, str, str]]) -> tuple[list[str], list[str]]:
    """One text per document: its first passage as indexed (title and section), then the others' text."""
    texts: dict[str, list[str]] = {}
    for _, document_id, indexed_text, text in entries:
        parts = texts.setdefault(document_id, [])
        parts.append(text if parts else indexed_text)
    return list(texts), ["\n".join(parts) for parts in texts.values()]


class LexicalIndex:
    def __init__(self, root: Path, analyzer: FrenchAnalyzer | None = None) -> None:
        self._root = root
        self._analyzer = analyzer or FrenchAnalyzer()
        self._loaded: dict[str, _LoadedIndex] = {}
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def _dir(self, collection: str) -> Path:
        return self._root / chroma_collection_name(collection)

    @contextmanager
    def _folder_lock(self, collection: str) -> Iterator[None]:
        """Exclusive use of the collection's folder, across processes (released if the process dies)."""
        self._root.mkdir(parents=True, exist_ok=True)
        with open(self._root / f"{chroma_collection_name(collection)}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield  # closing the file releases the lock

    def rebuild(self, collection: str, generation: int, entries: Sequence[tuple[str, str, str, str]]) -> None:
        """Build the passage and document indexes and swap them in atomically on disk."""
        with self._folder_lock(collection):
            self._rebuild(collection, generation, entries)

    def _rebuild(self, collection: str, generation: int, entries: Sequence[tuple[str, str, str, str]]) -> None:
        final = self._dir(collection)
        staging = final.with_name(final.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        document_ids, document_texts = _document_texts(entries)
        chunks = self._build(staging / "chunks", [e[0] for e in entries], [e[1] for e in entries],
                             [e[2] for e in entries])
        documents = self._build(staging / "documents", document_ids, document_ids, document_texts)
        (staging / "generation").write_text(str(generation))
        previous = final.with_name(final.name + ".previous")
        shutil.rmtree(previous, ignore_errors=True)
        if final.exists():
            final.rename(previous)
        staging.rename(final)
        shutil.rmtree(previous, ignore_errors=True)
        with self._lock:
            self._loaded[collection] = _LoadedIndex(generation, chunks, documents)

    def _build(self, directory: Path, ids: list[str], documents: list[str], texts: list[str]) -> _Level:
        import bm25s

        directory.mkdir()
        retriever = None
        if texts:
            retriever = bm25s.BM25()
            retriever.index([self._analyzer.tokens(text) for text in texts], show_progress=False)
            retriever.save(str(directory / "bm25"))
        (directory / "ids.json").write_text(json.dumps({"ids": ids, "documents": documents}))
        return _Level(retriever, ids, documents)

    @staticmethod
    def _read(directory: Path) -> _Level:
        import bm25s

        stored = json.loads((directory / "ids.json").read_text())
        retriever = bm25s.BM25.load(str(directory / "bm25")) if stored["ids"] else None
        return _Level(retriever, stored["ids"], stored["documents"])

    def _stored_generation(self, collection: str) -> int | None:
        try:
            return int((self._dir(collection) / "generation").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _load(self, collection: str, generation: int, source: LexicalSource) -> _LoadedIndex:
        loaded = self._loaded.get(collection)
        if loaded is not None and loaded.generation == generation:
            return loaded
        with self._lock:
            loading = self._loading.setdefault(collection, threading.Lock())
        with loading:  # concurrent searches rebuild or read a collection's index once
            loaded = self._loaded.get(collection)
            if loaded is not None and loaded.generation == generation:
                return loaded
            return self._read_or_rebuild(collection, generation, source)

    def _read_or_rebuild(self, collection: str, generation: int, source: LexicalSource) -> _LoadedIndex:
        with self._folder_lock(collection):
            directory = self._dir(collection)
            if self._stored_generation(collection) != generation or not (directory / "documents").is_dir():
                self._rebuild(collection, generation, source(collection))
                return self._loaded[collection]
            loaded = _LoadedIndex(generation, self._read(directory / "chunks"), self._read(directory / "documents"))
        with self._lock:
            self._loaded[collection] = loaded
        return loaded

    def chunk_documents(self, collection: str, generation: int, source: LexicalSource) -> dict[str, str]:
        return self._load(collection, generation, source).chunks.document_of

    def first_chunks(self, collection: str, generation: int, source: LexicalSource) -> dict[str, str]:
        return self._load(collection, generation, source).chunks.first_chunk_of

    def search(
        self, collection: str, generation: int, query: str, limit: int, source: LexicalSource,
        documents: bool = False,
    ) -> list[LexicalHit]:
        index = self._load(collection, generation, source)
        level = index.documents if documents else index.chunks
        if level.retriever is None:
            return []
        token_ids = [level.vocabulary[token] for token in self._analyzer.tokens(query) if token in level.vocabulary]
        if not token_ids:
            return []
        scores = np.asarray(level.retriever.get_scores(token_ids))
        return [LexicalHit("" if documents else level.ids[i], level.documents[i], float(scores[i]))
                for i in top_indices(scores, limit) if scores[i] > 0]

    def drop(self, collection: str) -> None:
        with self._folder_lock(collection):
            shutil.rmtree(self._dir(collection), ignore_errors=True)
        self._loaded.pop(collection, None)
