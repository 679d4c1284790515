"""Settings of territorial analysis (`analysis:` in config.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from assistant.settings_base import StrictSettings

Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]


class HomeTerritory(StrictSettings):
    commune: Code | None = Field(
        None, description="INSEE code of the collectivity's own commune: what « la ville », « la commune » mean.")
    epci: Code | None = Field(
        None, description="SIREN of the collectivity's intercommunality: what « la métropole », « l'agglomération », "
        "« l'intercommunalité » mean, and the territory of a question that names none.")
    departement: Code | None = Field(
        None, description="Code of the home département: what « le département » means, and where a commune "
        "name shared by several communes is looked for first.")


class AnalysisSettings(StrictSettings):
    folder: Path = Field(
        Path("analysis"), description="Folder of the DuckDB table files, inside the data directory (or absolute).")
    home: HomeTerritory = Field(default_factory=HomeTerritory)  # type: ignore[arg-type]
    max_rows: int = Field(
        5000, ge=1, le=1_000_000, description="Rows an answer returns at most (the query is cut beyond, and says so).")
    query_timeout_s: float = Field(10, gt=0, le=600, description="A query running longer is interrupted.")
    memory_limit_mb: int = Field(2048, ge=64, description="DuckDB's memory limit for answering queries.")
    threads: int = Field(2, ge=1, le=64, description="DuckDB threads per query.")
    max_file_mb: float = Field(2048, gt=0, description="Dataset files larger than this are refused.")
    text_to_sql: Literal["auto", "on", "off"] = Field(
        "auto", description="Let the language model write SQL for questions the French parser does not "
        "understand (always validated): `auto` only with a capable model (not the bundled tiny one).")
    default_top: int = Field(5, ge=1, le=100, description="N of a « top N » question that gives no number.")
    communes_geojson: Path | None = Field(
        None, description="GeoJSON of the communes (relative to the project root, or absolute): maps become "
        "choropleths; without it, maps are points at each commune's lat/lng.")
    geojson_code_property: str = Field(
        "code", description="Property of each GeoJSON feature holding the commune's INSEE code.")
