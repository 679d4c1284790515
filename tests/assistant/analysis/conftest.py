"""A real catalogue (SQLite) and real DuckDB table files in a temporary folder, for the analysis unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.analysis.cards import card_path_for, read_card
from assistant.analysis.catalog import DatasetCatalog
from assistant.analysis.service import AnalysisService
from assistant.analysis.settings import AnalysisSettings
from assistant.analysis.warehouse import Warehouse
from assistant.database import Database

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "datasets"
FALLBACK = DEMO / "fallback" / "demo_territoire_2024.csv"


def open_service(folder: Path, **settings: object) -> AnalysisService:
    options = AnalysisSettings.model_validate({"home": {"epci": "299000001"}, **settings})
    database = Database(f"sqlite:///{folder / 'assistant.db'}")
    return AnalysisService(DatasetCatalog(database), Warehouse(folder / "tables", options), options)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[AnalysisService]:
    analysis = open_service(tmp_path)
    yield analysis
    analysis.close()


@pytest.fixture
def demo(service: AnalysisService) -> AnalysisService:
    """The project's fictional territory, loaded with its card."""
    service.add(FALLBACK, read_card(card_path_for(FALLBACK, DEMO)))
    return service
