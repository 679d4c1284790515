"""French lexical search: BM25 (bm25s) over stemmed, accent-folded tokens, one index per collection.

The index is derived from the catalog and stamped with the collection's generation: a stale or missing
index (after a crash, or another process's ingestion) is rebuilt from the catalog before it is used.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

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
    chunk_id: str
    score: float


class _LoadedIndex:
    def __init__(self, generation: int, retriever: Any, chunk_ids: list[str]) -> None:
        self.generation = generation
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.vocabulary: dict[str, int] = retriever.vocab_dict if retriever is not None else {}


ChunkSource = Callable[[str], list[tuple[str, str]]]


class LexicalIndex:
    def __init__(self, root: Path, analyzer: FrenchAnalyzer | None = None) -> None:
        self._root = root
        self._analyzer = analyzer or FrenchAnalyzer()
        self._loaded: dict[str, _LoadedIndex] = {}
        self._lock = threading.Lock()

    def _dir(self, collection: str) -> Path:
        return self._root / chroma_collection_name(collection)

    def rebuild(self, collection: str, generation: int, chunks: Sequence[tuple[str, str]]) -> None:
        """Build the index from (chunk id, text) pairs and swap it in atomically on disk."""
        import bm25s

        final = self._dir(collection)
        staging = final.with_name(final.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        ids = [chunk_id for chunk_id, _ in chunks]
        retriever = None
        if chunks:
            retriever = bm25s.BM25()
            retriever.index([self._analyzer.tokens(text) for _, text in chunks], show_progress=False)
            retriever.save(str(staging / "bm25"))
        (staging / "ids.json").write_text(json.dumps(ids))
        (staging / "generation").write_text(str(generation))
        previous = final.with_name(final.name + ".previous")
        shutil.rmtree(previous, ignore_errors=True)
        if final.exists():
            final.rename(previous)
        staging.rename(final)
        shutil.rmtree(previous, ignore_errors=True)
        with self._lock:
            self._loaded[collection] = _LoadedIndex(generation, retriever, ids)

    def _stored_generation(self, collection: str) -> int | None:
        try:
            return int((self._dir(collection) / "generation").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _load(self, collection: str, generation: int, source: ChunkSource) -> _LoadedIndex:
        loaded = self._loaded.get(collection)
        if loaded is not None and loaded.generation == generation:
            return loaded
        if self._stored_generation(collection) != generation:
            self.rebuild(collection, generation, source(collection))
            return self._loaded[collection]
        import bm25s

        directory = self._dir(collection)
        ids = json.loads((directory / "ids.json").read_text())
        retriever = bm25s.BM25.load(str(directory / "bm25")) if ids else None
        loaded = _LoadedIndex(generation, retriever, ids)
        with self._lock:
            self._loaded[collection] = loaded
        return loaded

    def search(
        self, collection: str, generation: int, query: str, limit: int, source: ChunkSource
    ) -> list[LexicalHit]:
        index = self._load(collection, generation, source)
        if index.retriever is None:
            return []
        token_ids = [index.vocabulary[token] for token in self._analyzer.tokens(query) if token in index.vocabulary]
        if not token_ids:
            return []
        scores = np.asarray(index.retriever.get_scores(token_ids))
        limit = min(limit, len(index.chunk_ids))
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top])]
        return [LexicalHit(index.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def drop(self, collection: str) -> None:
        shutil.rmtree(self._dir(collection), ignore_errors=True)
        self._loaded.pop(collection, None)
