"""Build the configured chat model; backends are imported only when chosen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.llm.base import ChatModel
from assistant.llm.settings import LLMSettings


def _build_llama_cpp(settings: LLMSettings, models_dir: Path) -> ChatModel:
    from assistant.llm.llama_cpp import LlamaCppChatModel, resolve_model_path

    path = resolve_model_path(settings.model, models_dir)
    return LlamaCppChatModel(path, n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                             repeat_penalty=settings.repeat_penalty)


def _build_openai_compatible(settings: LLMSettings, models_dir: Path) -> ChatModel:
    from assistant.llm.openai_compatible import OpenAICompatibleChatModel

    assert settings.base_url and settings.remote_model  # enforced by LLMSettings' validator
    return OpenAICompatibleChatModel(
        settings.base_url,
        settings.remote_model,
        api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        timeout_s=settings.request_timeout_s,
        context_window=settings.context_window,
    )


BUILDERS: dict[str, Callable[[LLMSettings, Path], ChatModel]] = {
    "llama-cpp": _build_llama_cpp,
    "openai-compatible": _build_openai_compatible,
}


def build_chat_model(settings: LLMSettings, models_dir: Path, *, load: bool = False) -> ChatModel:
    """The model for `settings.backend`; with `load`, loaded (or its server checked) now, which raises
    LLMUnavailable at startup rather than on the first question."""
    model = BUILDERS[settings.backend](settings, models_dir)
    if load:
        model.load()
    return model
