"""Pieces of the SQL the composer writes: quoted names and literals, territory filters, measure expressions."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.analysis.semantics import GeoTable, Semantics, Source
from assistant.analysis.territory import Territory


class Unanswerable(ValueError):
    """The catalogue cannot answer: `message` says why in French, and which data would be needed."""

    def __init__(self, message: str, needed: str = "") -> None:
        super().__init__(message)
        self.message, self.needed = message, needed


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def column(alias: str, name: str) -> str:
    return f"{alias}.{ident(name)}"


@dataclass(frozen=True)
class Filters:
    """Territory filters on a commune-level table, through its own columns or the EPCI composition table."""

    semantics: Semantics

    def where(self, table: GeoTable, alias: str, territory: Territory) -> str:
        code = column(alias, table.code)
        if territory.kind == "france":
            return "TRUE"
        if territory.kind == "commune":
            return f"{code} = {literal(territory.code)}"
        own = {"epci": table.epci, "departement": table.departement}.get(territory.kind)
        if own is not None:
            return f"{column(alias, own)} = {literal(territory.code)}"
        return self._through_composition(code, territory, table)

    def _through_composition(self, code: str, territory: Territory, table: GeoTable) -> str:
        composition = self.semantics.composition()
        role = {"epci": "epci", "departement": "departement", "region": "region"}[territory.kind]
        if composition is not None:
            member = getattr(composition, role, None) if role != "region" else composition.dataset.card.with_role(
                "region_code")
            if member is not None:
                return (f"{code} IN (SELECT c.{ident(composition.code)} FROM {ident(composition.table)} AS c "
                        f"WHERE c.{ident(member)} = {literal(territory.code)})")
        if territory.kind == "departement":
            return f"left({code}, {len(territory.code)}) = {literal(territory.code)}"
        raise Unanswerable(
            f"La table {table.table} ne dit pas à quel territoire appartient chaque commune.",
            "la composition communale des intercommunalités (table Insee « EPCI - composition communale »)")


def value_expression(source: Source, alias: str, aggregate: bool, per_capita: float | None = None,
                     population: str | None = None) -> tuple[str, int]:
    """The SQL of one measure (its sum over a territory when `aggregate`) and its decimals."""
    def agg(expression: str) -> str:
        return f"SUM({expression})" if aggregate else expression

    if source.is_ratio:
        assert source.numerator is not None and source.denominator is not None
        numerator, denominator = column(alias, source.numerator), column(alias, source.denominator)
        return (f"ROUND({agg(numerator)} * {source.scale:g} / NULLIF({agg(denominator)}, 0), {source.decimals})",
                source.decimals)
    assert source.column is not None
    value = column(alias, source.column)
    if per_capita is not None:
        assert population is not None
        decimals = 1 if per_capita >= 100 else 3
        return (f"ROUND({agg(value)} * {per_capita:g} / NULLIF({agg(column(alias, population))}, 0), {decimals})",
                decimals)
    if source.decimals:
        return f"ROUND({agg(value)}, {source.decimals})", source.decimals
    return agg(value), 0
