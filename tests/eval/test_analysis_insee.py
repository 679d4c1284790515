"""Territorial analysis over the real INSEE tables of ../shared/data: every question of analysis_questions.py
through the deterministic parser, its rows compared with the figures computed independently with pandas, and
every number of its narrative found in its result. `-s` prints the shares the README reports."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.analysis.answers import DataAnswer
from assistant.analysis.cards import card_path_for, read_card
from assistant.analysis.catalog import DatasetCatalog
from assistant.analysis.service import AnalysisService
from assistant.analysis.settings import AnalysisSettings
from assistant.analysis.warehouse import Warehouse
from assistant.database import Database
from assistant.principal import Principal
from tests.conftest import SHARED_DATA
from tests.eval.analysis_questions import QUESTIONS, Question
from tests.eval.insee_reference import METRO, Insee

INSEE = SHARED_DATA / "insee"
CARDS = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "datasets"
pytestmark = [pytest.mark.eval, pytest.mark.skipif(not INSEE.is_dir(), reason=f"{INSEE} is absent: skipped")]
_NUMBER = re.compile(r"(?<![\w-])[+−]?(?:\d{1,3}(?:[  ]\d{3})+|\d+)(?:,\d+)?")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnalysisService]:
    folder = tmp_path_factory.mktemp("analysis")
    settings = AnalysisSettings(home={"commune": "21231", "epci": METRO, "departement": "21"})  # type: ignore[arg-type]
    database = Database(f"sqlite:///{folder / 'assistant.db'}")
    analysis = AnalysisService(DatasetCatalog(database), Warehouse(folder / "tables", settings), settings)
    for path in sorted(INSEE.glob("*.csv")):
        analysis.add(path, read_card(card_path_for(path, CARDS)))
    yield analysis
    analysis.close()
    database.close()


@pytest.fixture(scope="module")
def insee() -> Insee:
    return Insee(INSEE)


def same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, int | float) and abs(float(actual) - float(expected)) <= 0.0501
    return bool(actual == expected)


def rows_match(actual: list[list[Any]], expected: list[list[Any]]) -> bool:
    return len(actual) == len(expected) and all(
        len(a) == len(e) and all(same(x, y) for x, y in zip(a, e, strict=True))
        for a, e in zip(actual, expected, strict=True))


def _value(text: str) -> float:
    return float(re.sub(r"[  ]", "", text).replace(",", ".").replace("−", "-").lstrip("+"))


def foreign_numbers(answer: DataAnswer) -> list[str]:
    """Numbers of the narrative found neither in the rows nor in the column headers (years, age bands)."""
    values = [float(v) for row in answer.rows for v in row if isinstance(v, int | float)]
    header = {float(n) for column in answer.columns for n in re.findall(r"\d+", column)}
    foreign = []
    for match in _NUMBER.finditer(answer.narrative):
        number = _value(match.group())
        if not any(abs(number - v) < 1e-9 or abs(abs(number) - abs(v)) < 1e-9 for v in values) and \
                number not in header:
            foreign.append(match.group())
    return foreign


def test_the_questions_cover_every_pattern_with_several_phrasings() -> None:
    patterns = Counter(question.pattern for question in QUESTIONS)
    assert len(QUESTIONS) >= 60
    assert set(patterns) == {"total", "top", "evolution", "compare", "share", "ratio", "breakdown", "filter",
                             "count", "rank"}
    assert min(patterns.values()) >= 2


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.text for q in QUESTIONS])
def test_question(service: AnalysisService, insee: Insee, question: Question) -> None:
    answer = service.ask(Principal.operator(), question.text)
    expected = question.expected(insee)
    assert answer.status == "answered", answer.narrative
    assert answer.method == "parser"
    assert rows_match(answer.rows, expected), f"{answer.rows[:6]} != {expected[:6]}\n{answer.sql}"
    assert not foreign_numbers(answer), answer.narrative
    assert answer.datasets and all(d["licence"] and d["vintage"] for d in answer.datasets)


def test_shares_reported_in_the_readme(service: AnalysisService, insee: Insee) -> None:
    exact = grounded = 0
    for question in QUESTIONS:
        answer = service.ask(Principal.operator(), question.text)
        exact += answer.status == "answered" and answer.method == "parser" and rows_match(
            answer.rows, question.expected(insee))
        grounded += answer.status == "answered" and not foreign_numbers(answer)
    print(f"\nanalysis questions: {len(QUESTIONS)}; answered exactly by the deterministic parser: {exact} "
          f"({exact / len(QUESTIONS):.3f}); narratives with only numbers from the result: {grounded} "
          f"({grounded / len(QUESTIONS):.3f})")
    assert exact / len(QUESTIONS) >= 0.9
    assert grounded == len(QUESTIONS)
