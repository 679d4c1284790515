"""A question once understood: what to compute, where, how to order it. The French parser produces one; the
web UI's query builder sends one as JSON; the SQL composer turns it into one DuckDB query."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.analysis.territory import KINDS, Kind


class TerritoryRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Kind = Field(description=f"One of {', '.join(KINDS)}.")
    code: str = Field(max_length=20, description="INSEE code (commune, département, région), SIREN (EPCI), FR.")


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    op: Literal[">", ">=", "<", "<=", "between"]
    value: float
    value2: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Condition:
        if (self.op == "between") != (self.value2 is not None):
            raise ValueError("« between » takes value and value2, the other operators value only")
        return self


class QuerySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure: str = Field(max_length=100, description="Measure key (a column's `measure` or an indicator).")
    year: int | None = Field(None, ge=1800, le=2200, description="Year of the value; empty: the latest one.")
    from_year: int | None = Field(None, ge=1800, le=2200, description="Evolution from this year to `year`.")
    change: Literal["absolute", "relative"] = Field(
        "absolute", description="Evolution: rank and filter on the change in units, or in %.")
    per_capita: float | None = Field(None, gt=0, le=1_000_000,
                                     description="Per inhabitant (1), per 1,000 inhabitants (1000)...")
    territories: list[TerritoryRef] = Field(default_factory=list, max_length=10, description=(
        "The territories asked about; empty: the collectivity's own. With `by_commune`, the first is the scope."))
    by_commune: bool = Field(False, description="One row per commune of the first territory.")
    order: Literal["desc", "asc"] | None = None
    limit: int | None = Field(None, ge=1, le=100_000)
    condition: Condition | None = None
    count: bool = Field(False, description="Count the communes (that meet the condition).")
    share: bool = Field(False, description="Share of the first territory in the second (or of each commune).")
    rank: bool = Field(False, description="Rank of the commune (first territory) among those of the second.")
    chart: Literal["auto", "bar", "line", "map", "none"] = "auto"

    @model_validator(mode="after")
    def _coherent(self) -> QuerySpec:
        if self.from_year is not None and self.year is not None and self.from_year >= self.year:
            raise ValueError("from_year must come before year")
        if self.rank and (not self.territories or self.territories[0].kind != "commune"):
            raise ValueError("rank needs a commune as first territory")
        return self
