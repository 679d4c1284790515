"""Embeddings of the taxonomy's texts, cached on disk by model and text so that a restart does not re-embed."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.embeddings import EmbeddingModel


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:24]


class VectorCache:
    """`vectors(texts)` embeds only the texts not seen before; `path=None` keeps the cache in memory."""

    def __init__(self, embeddings: EmbeddingModel, path: Path | None = None) -> None:
        self._embeddings = embeddings
        self._path = path
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = self._read()

    def _read(self) -> dict[str, np.ndarray]:
        if self._path is None or not self._path.is_file():
            return {}
        try:
            with np.load(self._path) as stored:
                return {key: stored[key] for key in stored.files}
        except (OSError, ValueError):
            return {}  # a damaged cache is only lost time: it is rebuilt

    def _write(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        staging = self._path.with_name(self._path.name + ".tmp.npz")
        np.savez(staging, **self._vectors)  # type: ignore[arg-type]  # numpy stubs type **kwds as allow_pickle
        staging.replace(self._path)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(self._embeddings.name, text) for text in texts]
        with self._lock:
            missing = list(dict.fromkeys(text for key, text in zip(keys, texts, strict=True)
                                         if key not in self._vectors))
            if missing:
                for text, vector in zip(missing, self._embeddings.embed_passages(missing), strict=True):
                    self._vectors[_key(self._embeddings.name, text)] = vector
                self._write()
            if not keys:
                return np.zeros((0, self._embeddings.dimension), dtype=np.float32)
            return np.vstack([self._vectors[key] for key in keys])

    def embed_messages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of texts seen once (messages), never cached. Embedded as e5 queries against passages
        (the taxonomy's texts): measured better than passage/passage or query/query on the tune split."""
        if not texts:
            return np.zeros((0, self._embeddings.dimension), dtype=np.float32)
        return np.vstack([self._embeddings.embed_query(text) for text in texts]).astype(np.float32)
