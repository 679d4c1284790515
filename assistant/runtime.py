"""Builds the long-lived components from settings, once, on first use (never at import time)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.database import Database
from assistant.embeddings import EmbeddingModel, build_embeddings
from assistant.knowledge import KnowledgeBase
from assistant.retrieval import RetrievalService

if TYPE_CHECKING:
    from assistant.analysis.service import AnalysisService
    from assistant.jobs.service import JobService
    from assistant.jobs.store import JobStore
    from assistant.jobs.transport import JobTransport
    from assistant.requests.qualifier import TaxonomyQualifier
    from ingestion.pipeline import Ingestor


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def database(self) -> Database:
        self.settings.data_path.mkdir(parents=True, exist_ok=True)
        database = self.settings.database
        return Database(self.settings.database_url, database.echo, database.migrate_on_start)

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        return KnowledgeBase.open(self.settings.data_path, self.database)

    @cached_property
    def embeddings(self) -> EmbeddingModel:
        return build_embeddings(self.settings.embeddings, self.settings.models_path)

    @cached_property
    def retrieval(self) -> RetrievalService:
        return RetrievalService(self.knowledge, self.embeddings, self.settings.retrieval)

    @cached_property
    def analysis(self) -> AnalysisService:
        from assistant.analysis.factory import build_analysis

        return build_analysis(self.settings, self.database)

    @cached_property
    def requests_qualifier(self) -> TaxonomyQualifier:
        """The configured taxonomy with the stored staff corrections (`assistant/requests`)."""
        from assistant.requests.factory import build_qualifier

        return build_qualifier(self.settings, self.embeddings, self.database)

    def ingestor(self) -> Ingestor:
        # Imported here: the parsers pull in heavy libraries that the chat service never needs.
        from ingestion.pipeline import Ingestor

        return Ingestor(self.knowledge, self.embeddings, self.settings.ingestion)

    @cached_property
    def job_store(self) -> JobStore:
        from assistant.jobs.store import JobStore

        self.database.create_schema()
        return JobStore(self.database)

    @cached_property
    def job_transport(self) -> JobTransport:
        from assistant.jobs.transport import build_transport

        return build_transport(self.settings.database_url, self.settings.data_path, self.settings.jobs.poll_s)

    @cached_property
    def jobs(self) -> JobService:
        from assistant.jobs.handlers import job_kinds
        from assistant.jobs.service import JobService

        return JobService(self.job_store, self.job_transport, job_kinds(), self.knowledge.catalog,
                          self.settings.ingestion.default_groups)

    def close(self) -> None:
        if "job_transport" in self.__dict__:
            self.job_transport.close()
        if "analysis" in self.__dict__:
            self.analysis.close()
        if "retrieval" in self.__dict__:
            self.retrieval.close()
        if "knowledge" in self.__dict__:
            self.knowledge.vectors.close()
        if "database" in self.__dict__:
            self.database.close()
