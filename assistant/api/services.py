"""Everything the routes need, built once when the service starts."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.access import AccessService
from assistant.admin.datasets import DatasetLoadingAdmin
from assistant.admin.ingestion import IngestionAdmin
from assistant.analysis.factory import with_model
from assistant.analysis.mixed import DataCompanion
from assistant.analysis.service import AnalysisService
from assistant.audit import AuditLog
from assistant.chat.prompts import PromptLibrary
from assistant.chat.service import ChatService
from assistant.conversations import ConversationStore
from assistant.downloads import DownloadService
from assistant.embeddings import EmbeddingModel
from assistant.llm import ChatModel, ModelGate, build_chat_model
from assistant.llm.shared_gate import build_model_gate
from assistant.metrics import Metrics
from assistant.ratelimit import RateLimiter, build_rate_limiter
from assistant.runtime import Runtime


@dataclass
class AppServices:
    runtime: Runtime
    model: ChatModel
    gate: ModelGate
    prompts: PromptLibrary
    conversations: ConversationStore
    chat: ChatService
    metrics: Metrics
    audit: AuditLog
    limiter: RateLimiter
    access: AccessService
    downloads: DownloadService
    ingestion_admin: IngestionAdmin
    analysis: AnalysisService
    dataset_admin: DatasetLoadingAdmin


def build_services(
    runtime: Runtime, model: ChatModel | None = None, embeddings: EmbeddingModel | None = None
) -> AppServices:
    """Load prompts, the model and the index; `model`/`embeddings` replace the configured ones (tests)."""
    settings = runtime.settings
    prompts = PromptLibrary.load(settings.resolve(settings.chat.prompts_dir))
    if embeddings is not None:
        runtime.__dict__["embeddings"] = embeddings
    model = model or build_chat_model(settings.llm, settings.models_path, load=True)
    gate = build_model_gate(settings.llm, runtime.database)
    conversations = ConversationStore(runtime.database)
    runtime.knowledge  # noqa: B018  (creates the schema, opens the index)
    chat = ChatService(runtime.retrieval, runtime.embeddings, model, gate, prompts, conversations,
                       settings.llm, settings.chat)
    chat.data_companion = DataCompanion(runtime.analysis)
    limiter = build_rate_limiter(settings.rate_limits, runtime.database)
    return AppServices(runtime, model, gate, prompts, conversations, chat, Metrics(gate),
                       AuditLog(runtime.database, settings.audit), limiter,
                       AccessService.for_runtime(runtime), DownloadService(runtime.knowledge),
                       IngestionAdmin.for_runtime(runtime), with_model(runtime.analysis, settings, model),
                       DatasetLoadingAdmin.for_runtime(runtime))
