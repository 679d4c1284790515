"""What answering needs for one set of readable datasets, built once per catalogue state: the measures, the
gazetteer of territories (from the readable tables only) and the codes each commune-level table covers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.lang.fr.stop_words import STOP_WORDS

from assistant.analysis import cues
from assistant.analysis.catalog import Dataset
from assistant.analysis.compose import Composer
from assistant.analysis.parser import QuestionParser
from assistant.analysis.semantics import GeoTable, Semantics
from assistant.analysis.settings import AnalysisSettings
from assistant.analysis.sqlparts import ident
from assistant.analysis.territory import Gazetteer
from assistant.analysis.text import fold, tokens
from assistant.analysis.warehouse import Warehouse

_QUESTION_WORDS = frozenset({
    "quelle", "quelles", "quel", "quels", "combien", "population", "taux", "part", "densite", "carte", "rang",
    "moins", "plus", "classement", "nombre", "evolution", "commune", "communes", "habitants", "ville", "villes",
    "metropole", "france", "region", "departement", "total", "somme", "moyenne", "liste", "top", "compare",
    "comparaison", "entre", "depuis", "ont", "compte", "place", "position"})


@dataclass
class AnswerContext:
    datasets: list[Dataset]
    semantics: Semantics
    gazetteer: Gazetteer
    coverage: dict[str, frozenset[str]]
    composer: Composer
    parser: QuestionParser


def _values(warehouse: Warehouse, datasets: Sequence[Dataset], sql: str) -> list[list[object]]:
    return warehouse.execute(datasets, sql, max_rows=10_000_000).rows


def _common_words(semantics: Semantics) -> frozenset[str]:
    words = {fold(w) for w in STOP_WORDS} | _QUESTION_WORDS
    words |= set(cues.EVOLUTION | cues.SHARE | cues.RANK | cues.RANKING | cues.MAP) | set(cues.UP) | set(cues.DOWN)
    for measure in semantics.measures.values():
        for phrase in measure.synonyms | {measure.label}:
            words.update(tokens(phrase))
    return frozenset(words)


def build_context(datasets: list[Dataset], warehouse: Warehouse, settings: AnalysisSettings) -> AnswerContext:
    semantics = Semantics.build(datasets)
    coverage = {name: frozenset(str(r[0]) for r in _values(
        warehouse, datasets, f"SELECT DISTINCT {ident(t.code)} FROM {ident(name)} WHERE {ident(t.code)} IS NOT NULL"))
        for name, t in semantics.geo.items()}
    gazetteer = Gazetteer(home=settings.home, common_words=_common_words(semantics))
    _add_communes(gazetteer, semantics, warehouse, datasets)
    _add_epcis(gazetteer, semantics, warehouse, datasets)
    _add_regions(gazetteer, semantics, warehouse, datasets)
    gazetteer.add_departements()
    composer = Composer(semantics, gazetteer, coverage)
    return AnswerContext(datasets, semantics, gazetteer, coverage, composer,
                         QuestionParser(semantics, gazetteer, settings.default_top))


def _select(table: GeoTable, *columns: str | None) -> str:
    parts = [ident(c) if c else "NULL" for c in columns]
    return f"SELECT {', '.join(parts)} FROM {ident(table.table)}"


def _add_communes(gazetteer: Gazetteer, semantics: Semantics, warehouse: Warehouse, datasets: list[Dataset]) -> None:
    composition = semantics.composition()
    membership: dict[str, tuple[str | None, str | None, str | None]] = {}
    if composition is not None:
        region = composition.dataset.card.with_role("region_code")
        for code, epci, dep, reg in _values(warehouse, datasets, _select(
                composition, composition.code, composition.epci, composition.departement, region)):
            membership[str(code)] = (_text(epci), _text(dep), _text(reg))
    named = [t for t in semantics.geo.values() if t.name]
    for table in sorted(named, key=lambda t: -t.dataset.row_count):
        rows = _values(warehouse, datasets, _select(table, table.code, table.name, table.departement, table.population))
        for code, name, dep, population in rows:
            if code is None or name is None:
                continue
            epci, comp_dep, region = membership.get(str(code), (None, None, None))
            gazetteer.add_commune(str(code), str(name), _text(dep) or comp_dep, epci, region)
            if isinstance(population, int | float):
                gazetteer.population.setdefault(str(code), float(population))


def _add_epcis(gazetteer: Gazetteer, semantics: Semantics, warehouse: Warehouse, datasets: list[Dataset]) -> None:
    for dataset in datasets:
        card = dataset.card
        code = card.with_role("epci_code")
        name = card.with_role("epci_name")
        if code and name:
            sql = f"SELECT DISTINCT {ident(code)}, {ident(name)} FROM {ident(dataset.name)}"
            for epci, label in _values(warehouse, datasets, sql):
                if epci is not None and label is not None:
                    gazetteer.add_epci(str(epci), str(label))


def _add_regions(gazetteer: Gazetteer, semantics: Semantics, warehouse: Warehouse, datasets: list[Dataset]) -> None:
    from assistant.analysis.territory import Territory

    for dataset in datasets:
        code, name = dataset.card.with_role("region_code"), dataset.card.with_role("region_name")
        if code and name:
            sql = f"SELECT DISTINCT {ident(code)}, {ident(name)} FROM {ident(dataset.name)}"
            for region, label in _values(warehouse, datasets, sql):
                if region is not None and label is not None:
                    gazetteer.add(Territory("region", str(region), str(label)))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
