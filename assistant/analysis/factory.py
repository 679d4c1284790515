"""`build_analysis(settings, database)`: the analysis service from settings (the model path added by the caller
that has a model: `with_model`)."""

from __future__ import annotations

from assistant.analysis.catalog import DatasetCatalog
from assistant.analysis.service import AnalysisService
from assistant.analysis.text_to_sql import TextToSql
from assistant.analysis.warehouse import Warehouse
from assistant.config import Settings
from assistant.database import Database
from assistant.llm import ChatModel, is_capable


def build_analysis(settings: Settings, database: Database) -> AnalysisService:
    analysis = settings.analysis
    folder = analysis.folder if analysis.folder.is_absolute() else settings.data_path / analysis.folder
    geojson = settings.resolve(analysis.communes_geojson) if analysis.communes_geojson else None
    return AnalysisService(DatasetCatalog(database), Warehouse(folder, analysis), analysis, geojson=geojson)


def with_model(service: AnalysisService, settings: Settings, model: ChatModel) -> AnalysisService:
    """Let the model write SQL for what the parser does not understand, when configured and capable."""
    mode = settings.analysis.text_to_sql
    if mode == "on" or (mode == "auto" and is_capable(settings.llm)):
        service.text_to_sql = TextToSql(model)
    return service
