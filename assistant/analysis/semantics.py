"""What the readable datasets offer to questions: measures (columns and ratio indicators of the cards, by year)
and the geographic columns of each commune-level table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.analysis.cards import DatasetCard
from assistant.analysis.catalog import Dataset
from assistant.analysis.text import stem_key


@dataclass(frozen=True)
class Source:
    """Where one measure of one year is: a column, or the ratio of two columns, of one dataset."""

    dataset: str
    year: int | None
    column: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1
    decimals: int = 0
    additive: bool = True

    @property
    def is_ratio(self) -> bool:
        return self.numerator is not None


@dataclass
class Measure:
    key: str
    label: str          # without its year: « Population municipale », « Taux de chômage des 15-64 ans »
    unit: str
    synonyms: set[str] = field(default_factory=set)
    sources: list[Source] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({s.year for s in self.sources if s.year is not None})

    @property
    def is_ratio(self) -> bool:
        return all(source.is_ratio for source in self.sources)

    @property
    def additive(self) -> bool:
        return all(source.additive and not source.is_ratio for source in self.sources)

    def sources_for(self, year: int | None) -> list[Source]:
        """Sources of `year`, or of the latest year when None."""
        wanted = year if year is not None else (self.years[-1] if self.years else None)
        return [s for s in self.sources if s.year == wanted]


@dataclass(frozen=True)
class GeoTable:
    """A commune-level dataset and its geographic columns."""

    dataset: Dataset
    code: str
    name: str | None
    departement: str | None
    epci: str | None
    latitude: str | None
    longitude: str | None
    population: str | None

    @property
    def table(self) -> str:
        return self.dataset.name


def _label_without_year(label: str, year: int | None) -> str:
    return label.replace(str(year), "").strip(" -–,") if year else label


def _geo(dataset: Dataset) -> GeoTable | None:
    card = dataset.card
    code = card.code_column if card.level == "commune" else None
    if code is None or code not in dataset.column_names:
        return None
    return GeoTable(dataset, code, card.name_column, card.with_role("departement_code"), card.with_role("epci_code"),
                    card.with_role("latitude"), card.with_role("longitude"), card.with_role("population"))


@dataclass
class Semantics:
    datasets: dict[str, Dataset]
    measures: dict[str, Measure]
    geo: dict[str, GeoTable]

    @classmethod
    def build(cls, datasets: Sequence[Dataset]) -> Semantics:
        measures: dict[str, Measure] = {}
        for dataset in datasets:
            _add_measures(measures, dataset.name, dataset.card)
        geo = {d.name: table for d in datasets if (table := _geo(d)) is not None}
        return cls({d.name: d for d in datasets}, measures, geo)

    def vocabulary(self) -> dict[str, str]:
        """Stemmed phrase -> measure key, every synonym and label of every measure."""
        phrases: dict[str, str] = {}
        for measure in self.measures.values():
            for phrase in sorted(measure.synonyms | {measure.label}):
                key = stem_key(phrase)
                if key and key not in phrases:
                    phrases[key] = measure.key
        return phrases

    def composition(self) -> GeoTable | None:
        """The table that says which EPCI each commune belongs to."""
        tables = [t for t in self.geo.values() if t.epci is not None]
        return max(tables, key=lambda t: t.dataset.row_count) if tables else None


def _add_measures(measures: dict[str, Measure], dataset: str, card: DatasetCard) -> None:
    for name, info in card.columns.items():
        if info.measure is None or info.type in ("code", "text"):
            continue
        year = info.year if info.year is not None else card.year
        measure = measures.setdefault(info.measure, Measure(info.measure, _label_without_year(info.label or name, year),
                                                            info.unit))
        measure.synonyms.update(info.synonyms)
        decimals = 2 if info.type == "number" else 0
        measure.sources.append(Source(dataset, year, column=name, decimals=decimals, additive=info.additive))
    for key, indicator in card.indicators.items():
        year = indicator.year if indicator.year is not None else card.year
        measure = measures.setdefault(key, Measure(key, _label_without_year(indicator.label, year), indicator.unit))
        measure.synonyms.update(indicator.synonyms)
        measure.sources.append(Source(dataset, year, numerator=indicator.numerator,
                                      denominator=indicator.denominator, scale=indicator.scale,
                                      decimals=indicator.decimals, additive=False))
