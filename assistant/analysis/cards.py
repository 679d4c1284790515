"""A dataset's card: what the table is (title, producer, vintage, licence, source, geographic level) and what
each column means (label, unit, the measure and year it holds). Written by an admin in YAML, or inferred."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Level = Literal["commune", "epci", "departement", "region", "iris", "autre"]
ColumnType = Literal["code", "text", "integer", "number"]
# What a column is for the question parser and the query builder.
Role = Literal["commune_code", "commune_name", "epci_code", "epci_name", "departement_code", "departement_name",
               "region_code", "region_name", "latitude", "longitude", "population", "area"]


class CardError(ValueError):
    """A card cannot be used; the message names the file and the problem."""


class _Card(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnInfo(_Card):
    label: str = Field("", description="What the column holds, in French (« Population municipale 2021 »).")
    type: ColumnType | None = Field(None, description="Forced type; inferred from the values when empty.")
    unit: str = Field("", description="Unit of the values (habitants, km², %, €...).")
    description: str = ""
    role: Role | None = None
    measure: str | None = Field(None, description="The quantity, shared by the columns of several years "
                                "(population_2015 and population_2021 both hold « population »).")
    year: int | None = Field(None, description="Reference year of the values.")
    synonyms: list[str] = Field(default_factory=list, description="Words a question may use for this quantity.")
    additive: bool = Field(True, description="Whether summing it over communes makes sense (not for rates).")
    source_name: str = Field("", description="The column's header in the file, when it differs from its key.")


class Indicator(_Card):
    """A ratio of two columns of the same table, e.g. unemployment = unemployed / active population."""

    label: str
    numerator: str
    denominator: str
    scale: float = Field(1, description="100 for a percentage, 1000 for « pour 1 000 »...")
    unit: str = ""
    decimals: int = Field(1, ge=0, le=6)
    year: int | None = None
    synonyms: list[str] = Field(default_factory=list)


class CodeFrom(_Card):
    """The commune's INSEE code built from two columns: département code (first two characters) + commune code
    (three digits), as in INSEE's tables of legal populations."""

    departement: str
    commune: str
    column: str = "code_insee"


class DatasetCard(_Card):
    title: str = ""
    producer: str = ""
    vintage: str = Field("", description="Edition of the data (« 2025, recensement 2022 »).")
    year: int | None = Field(None, description="Reference year of the figures (the default year of its columns).")
    licence: str = ""
    source_url: str = ""
    description: str = ""
    level: Level | None = None
    code_column: str | None = Field(None, description="The column holding the geographic code of each row.")
    name_column: str | None = Field(None, description="The column holding the place's name.")
    code_from: CodeFrom | None = None
    header_rows: int | None = Field(None, ge=1, le=10, description="Header lines (the last one names columns).")
    separator: str | None = Field(None, max_length=1)
    encoding: str | None = None
    sheet: str | None = Field(None, description="XLSX/ODS: the sheet to read (default: the first).")
    missing_values: list[str] = Field(default_factory=list, description="Extra markers of a missing value.")
    keep_rows: dict[str, list[str]] = Field(default_factory=dict, description="Only rows whose column holds one "
                                            "of these values are loaded (e.g. commune_type: [COM]).")
    merge_arrondissements: bool = Field(False, description="Paris, Marseille and Lyon given by municipal "
                                        "arrondissement: load one row per city, summing its arrondissements.")
    deduplicate_code: bool = Field(False, description="Keep only the first row of each code (a file that lists a "
                                   "commune twice, once per postal code).")
    columns: dict[str, ColumnInfo] = Field(default_factory=dict)
    indicators: dict[str, Indicator] = Field(default_factory=dict)
    public: bool = Field(False, description="Open data: every analyst may read it when it is added without "
                         "--groups (otherwise a new dataset needs --groups or --public).")
    inferred: bool = Field(False, description="True while the card was inferred and not completed by an admin.")

    def column(self, name: str) -> ColumnInfo:
        return self.columns.get(name) or ColumnInfo.model_validate({})

    def with_role(self, role: str) -> str | None:
        return next((name for name, info in self.columns.items() if info.role == role), None)

    def as_yaml(self) -> str:
        data = self.model_dump(exclude_defaults=True, mode="json")
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def read_card(path: Path) -> DatasetCard:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CardError(f"{path}: cannot read the card: {exc}") from exc
    if not isinstance(raw, dict):
        raise CardError(f"{path}: a card is a YAML mapping (title, licence, columns...)")
    try:
        return DatasetCard.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'card'}: {e['msg']}" for e in exc.errors())
        raise CardError(f"{path}: invalid card: {problems}") from exc


def card_path_for(file: Path, cards_dir: Path) -> Path:
    """`FILE.csv` -> `DIR/FILE.yaml` (`.yml` accepted too)."""
    candidate = cards_dir / f"{file.stem}.yaml"
    alternative = cards_dir / f"{file.stem}.yml"
    return alternative if not candidate.exists() and alternative.exists() else candidate
