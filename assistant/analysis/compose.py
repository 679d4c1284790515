"""QuerySpec -> one DuckDB SELECT over the catalogue: the datasets that cover the territory, territory filters
(through the EPCI composition table when needed), joins on commune codes, aggregates and derived indicators."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.analysis.semantics import GeoTable, Measure, Semantics, Source
from assistant.analysis.spec import QuerySpec
from assistant.analysis.sqlparts import Filters, Unanswerable, column, ident, literal, value_expression
from assistant.analysis.territory import Gazetteer, Kind, Territory
from assistant.analysis.wording import per_capita_words

_FULL_COVERAGE = 0.98


@dataclass(frozen=True)
class OutputColumn:
    label: str
    role: str  # territory, value, start, end, change, change_pct, share, rank, count, whole, whole_value, lat, lng
    unit: str = ""
    decimals: int = 0
    year: int | None = None


@dataclass
class Composed:
    sql: str
    datasets: list[str]
    columns: list[OutputColumn]
    measure: Measure
    territories: list[Territory]
    scope: Territory | None
    years: tuple[int | None, int | None]
    spec: QuerySpec
    chart: str
    notes: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """What `compose` resolved before writing SQL."""

    spec: QuerySpec
    measure: Measure
    territories: list[Territory]
    scope: Territory | None
    end: Source
    start: Source | None
    label: str


class Composer:
    def __init__(self, semantics: Semantics, gazetteer: Gazetteer, coverage: dict[str, frozenset[str]]) -> None:
        self.semantics, self.gazetteer, self.coverage = semantics, gazetteer, coverage
        self.filters = Filters(semantics)

    def compose(self, spec: QuerySpec) -> Composed:
        plan = self._plan(spec)
        if spec.by_commune or spec.rank or spec.count:
            return self._per_commune(plan)
        return self._aggregated(plan)

    # -- resolving -----------------------------------------------------------------------------------------
    def _plan(self, spec: QuerySpec) -> _Plan:
        measure = self.semantics.measures.get(spec.measure)
        if measure is None:
            raise Unanswerable(f"Aucun jeu de données du catalogue ne donne « {spec.measure} ».",
                               f"un jeu de données par commune donnant « {spec.measure} »")
        territories = [self._territory(ref.kind, ref.code) for ref in spec.territories]
        territories = territories or [self.gazetteer.default_scope()]
        scope = self._rank_scope(territories) if spec.rank else (territories[0] if spec.by_commune or spec.count
                                                                    else None)
        wanted = [scope] if scope is not None and not spec.rank else territories
        if spec.rank and scope is not None:
            wanted = [scope, territories[0]]
        codes, where = self._codes(wanted), ", ".join(t.name for t in wanted)
        end = self._source(measure, spec.year, codes, None, where)
        start = self._source(measure, spec.from_year, codes, end.dataset, where) if spec.from_year is not None \
            else None
        if start is not None and start.year == end.year:
            raise Unanswerable(f"Les données de « {measure.label} » n'ont pas d'année plus récente à comparer.")
        if spec.per_capita is not None and (end.is_ratio or self.semantics.geo[end.dataset].population is None):
            raise Unanswerable(f"« {measure.label} » ne peut pas être rapporté à la population dans ce catalogue.",
                               "une table donnant cette mesure et la population des mêmes communes")
        label = measure.label
        return _Plan(spec, measure, territories, scope, end, start, label)

    def _territory(self, kind: str, code: str) -> Territory:
        territory = self.gazetteer.get(kind, code)
        if territory is None:
            raise Unanswerable(f"Le territoire {kind} {code} n'est pas connu du catalogue.")
        return territory

    def _rank_scope(self, territories: list[Territory]) -> Territory:
        if len(territories) > 1:
            return territories[1]
        commune = territories[0]
        kinds: tuple[Kind, ...] = ("epci", "departement")
        for kind in kinds:
            home = self.gazetteer.home_territory(kind)
            if home is not None and commune.code in (self.gazetteer.communes_of(home) or set()):
                return home
        departement = self.gazetteer.get("departement", commune.code[:3] if commune.code.startswith("97")
                                         else commune.code[:2])
        if departement is None:
            raise Unanswerable("Parmi quelles communes faut-il classer cette commune ? Précisez le territoire.")
        return departement

    def _codes(self, territories: list[Territory]) -> list[set[str] | None]:
        """The communes of each territory (None: every commune): a table must cover each of them."""
        return [self.gazetteer.communes_of(territory) for territory in territories]

    def _source(self, measure: Measure, year: int | None, codes: list[set[str] | None], prefer: str | None,
                where: str) -> Source:
        years: list[int | None] = [year] if year is not None else [*sorted(measure.years, reverse=True)] or [None]
        if year is not None and measure.years and year not in measure.years:
            raise Unanswerable(
                f"Le catalogue n'a pas « {measure.label} » pour l'année demandée (années disponibles : "
                f"{', '.join(str(y) for y in measure.years)}).", f"« {measure.label} » pour l'année demandée")
        for candidate_year in years:
            candidates = [s for s in measure.sources_for(candidate_year) if s.dataset in self.semantics.geo]
            covering = [s for s in candidates if all(self._covers(s.dataset, c) for c in codes)]
            if covering:
                return min(covering, key=lambda s: (s.dataset != prefer, self._size(s.dataset), s.dataset))
        raise Unanswerable(
            f"Les données de « {measure.label} » du catalogue ne couvrent pas {where}.",
            f"« {measure.label} » pour les communes de {where} (par exemple la même table pour leur département)")

    def _covers(self, dataset: str, codes: set[str] | None) -> bool:
        available = self.coverage.get(dataset, frozenset())
        if codes is None:
            largest = max((len(c) for c in self.coverage.values()), default=0)
            return bool(available) and len(available) >= _FULL_COVERAGE * largest
        if not codes:
            return False
        return len(codes & available) >= (len(codes) if len(codes) <= 50 else _FULL_COVERAGE * len(codes))

    def _size(self, dataset: str) -> int:
        return self.semantics.datasets[dataset].row_count

    # -- one row per commune -------------------------------------------------------------------------------
    def _per_commune(self, plan: _Plan) -> Composed:
        spec, scope = plan.spec, plan.scope
        assert scope is not None
        main = self.semantics.geo[plan.end.dataset]
        joins, used = [], [main.table]
        start_alias = "m"
        if plan.start is not None and plan.start.dataset != main.table:
            other = self.semantics.geo[plan.start.dataset]
            joins.append(f"JOIN {ident(other.table)} AS s ON {column('s', other.code)} = {column('m', main.code)}")
            used.append(other.table)
            start_alias = "s"
        wants_map = spec.chart == "map" and not spec.count and not spec.rank
        coordinates = self._coordinates(main, joins, used) if wants_map else None
        end_sql, decimals = self._expression(plan, plan.end, "m", aggregate=False)
        select = [f"{column('m', main.name) if main.name else column('m', main.code)} AS label_",
                  f"{column('m', main.code)} AS code_", f"{end_sql} AS v1"]
        if plan.start is not None:
            select.append(f"{self._expression(plan, plan.start, start_alias, aggregate=False)[0]} AS v0")
        if coordinates:
            select += [f"{coordinates[0]} AS lat_", f"{coordinates[1]} AS lng_"]
        where = self.filters.where(main, "m", scope)
        base = f"SELECT {', '.join(select)} FROM {ident(main.table)} AS m {' '.join(joins)} WHERE {where}"
        return self._commune_query(plan, base, decimals, used, coordinates is not None)

    def _coordinates(self, main: GeoTable, joins: list[str], used: list[str]) -> tuple[str, str] | None:
        if main.latitude and main.longitude:
            return column("m", main.latitude), column("m", main.longitude)
        tables = [t for t in self.semantics.geo.values() if t.latitude and t.longitude]
        if not tables:
            return None
        geo = max(tables, key=lambda t: len(self.coverage.get(t.table, ())))
        assert geo.latitude and geo.longitude
        joins.append(f"LEFT JOIN {ident(geo.table)} AS g ON {column('g', geo.code)} = {column('m', main.code)}")
        used.append(geo.table)
        return column("g", geo.latitude), column("g", geo.longitude)

    def _expression(self, plan: _Plan, source: Source, alias: str, aggregate: bool) -> tuple[str, int]:
        population = self.semantics.geo[source.dataset].population
        return value_expression(source, alias, aggregate, plan.spec.per_capita, population)

    def _commune_query(self, plan: _Plan, base: str, decimals: int, used: list[str], mapped: bool) -> Composed:
        spec = plan.spec
        evolution = plan.start is not None
        key = ("p_" if spec.change == "relative" else "d_") if evolution else "v1"
        direction = "ASC" if spec.order == "asc" else "DESC"
        calc = "SELECT *, v1 - v0 AS d_, ROUND(100.0 * (v1 - v0) / NULLIF(v0, 0), 1) AS p_ FROM base" if evolution \
            else "SELECT * FROM base"
        share = ", ROUND(100.0 * v1 / NULLIF(SUM(v1) OVER (), 0), 1) AS s_" if spec.share else ""
        ranked = (f"SELECT *, RANK() OVER (ORDER BY {key} {direction} NULLS LAST) AS r_, COUNT(*) OVER () AS n_"
                  f"{share} FROM calc")
        head = f"WITH base AS ({base}), calc AS ({calc}), ranked AS ({ranked}) "
        condition = self._condition(spec, key)
        if spec.count:
            columns = [OutputColumn("Nombre de communes", "count", "communes")]
            sql = head + f'SELECT COUNT(*) AS "Nombre de communes" FROM ranked{condition}'
        elif spec.rank:
            columns = [OutputColumn("Commune", "territory"), *self._values(plan, decimals),
                       OutputColumn("Rang", "rank"), OutputColumn("Nombre de communes", "count", "communes")]
            sql = head + (f"SELECT {self._select(columns)} FROM ranked WHERE code_ = "
                          f"{literal(plan.territories[0].code)}")
        else:
            ranking = spec.order is not None or spec.limit is not None
            columns = ([OutputColumn("Rang", "rank")] if ranking else []) + [OutputColumn("Commune", "territory")]
            columns += self._values(plan, decimals)
            if spec.share:
                columns.append(OutputColumn("Part (%)", "share", "%", 1))
            if mapped:
                columns += [OutputColumn("Code Insee", "code"), OutputColumn("Latitude", "lat", "degrés", 5),
                            OutputColumn("Longitude", "lng", "degrés", 5)]
            limit = f" LIMIT {int(spec.limit)}" if spec.limit else ""
            sql = head + (f"SELECT {self._select(columns)} FROM ranked{condition} "
                          f"ORDER BY {key} {direction} NULLS LAST, label_{limit}")
        chart = self._chart(spec, len(columns), mapped, per_commune=True)
        return Composed(sql, sorted(set(used)), columns, plan.measure, plan.territories, plan.scope,
                        (plan.start.year if plan.start else None, plan.end.year), spec, chart)

    @staticmethod
    def _condition(spec: QuerySpec, key: str) -> str:
        condition = spec.condition
        if condition is None:
            return ""
        if condition.op == "between":
            return f" WHERE {key} BETWEEN {condition.value!r} AND {condition.value2!r}"
        return f" WHERE {key} {condition.op} {condition.value!r}"

    def _values(self, plan: _Plan, decimals: int) -> list[OutputColumn]:
        unit, end = plan.measure.unit, plan.end.year
        if plan.start is None:
            return [OutputColumn(_with_year(plan.label, end, plan.spec.per_capita), "value", unit, decimals, end)]
        start = plan.start.year
        return [OutputColumn(_with_year(plan.label, start, plan.spec.per_capita), "start", unit, decimals, start),
                OutputColumn(_with_year(plan.label, end, plan.spec.per_capita), "end", unit, decimals, end),
                OutputColumn("Évolution", "change", unit, decimals),
                OutputColumn("Évolution (%)", "change_pct", "%", 1)]

    @staticmethod
    def _select(columns: list[OutputColumn]) -> str:
        internal = {"territory": "label_", "value": "v1", "start": "v0", "end": "v1", "change": "d_",
                    "change_pct": "p_", "rank": "r_", "count": "n_", "share": "s_", "lat": "lat_", "lng": "lng_",
                    "code": "code_"}
        return ", ".join(f"{internal[c.role]} AS {ident(c.label)}" for c in columns)

    # -- one row per territory -----------------------------------------------------------------------------
    def _aggregated(self, plan: _Plan) -> Composed:
        spec = plan.spec
        if not plan.measure.additive and not plan.end.is_ratio and spec.per_capita is None and any(
                t.kind != "commune" for t in plan.territories):
            raise Unanswerable(f"« {plan.measure.label} » ne s'additionne pas sur un territoire.")
        territories = plan.territories
        if spec.share:
            territories = self._part_and_whole(territories, plan.measure)
        rows, decimals, used = [], 0, {plan.end.dataset}
        for order, territory in enumerate(territories):
            end_sql, decimals = self._subquery(plan, plan.end, territory)
            row = f"SELECT {order} AS o_, {literal(territory.name)} AS label_, ({end_sql}) AS v1"
            if plan.start is not None:
                row += f", ({self._subquery(plan, plan.start, territory)[0]}) AS v0"
                used.add(plan.start.dataset)
            rows.append(row)
        head = f"WITH agg AS ({' UNION ALL '.join(rows)}) "
        if spec.share:
            return self._share(plan, head, decimals, sorted(used), territories)
        columns = [OutputColumn("Territoire", "territory"), *self._values(plan, decimals)]
        internal = {"territory": "label_", "value": "v1", "start": "v0", "end": "v1", "change": "v1 - v0",
                    "change_pct": "ROUND(100.0 * (v1 - v0) / NULLIF(v0, 0), 1)"}
        select = ", ".join(f"{internal[c.role]} AS {ident(c.label)}" for c in columns)
        chart = self._chart(spec, len(territories), False, per_commune=False)
        return Composed(head + f"SELECT {select} FROM agg ORDER BY o_", sorted(used), columns, plan.measure,
                        territories, None, (plan.start.year if plan.start else None, plan.end.year), spec, chart)

    def _subquery(self, plan: _Plan, source: Source, territory: Territory) -> tuple[str, int]:
        table = self.semantics.geo[source.dataset]
        expression, decimals = self._expression(plan, source, "m", aggregate=True)
        return (f"SELECT {expression} FROM {ident(table.table)} AS m WHERE "
                f"{self.filters.where(table, 'm', territory)}", decimals)

    def _part_and_whole(self, territories: list[Territory], measure: Measure) -> list[Territory]:
        if len(territories) != 2:
            raise Unanswerable("Une part se calcule entre deux territoires : précisez lequel est dans l'autre.")
        if not measure.additive:
            raise Unanswerable(f"« {measure.label} » est un taux : sa part dans un total n'a pas de sens.")
        sizes = [len(self.gazetteer.communes_of(t) or range(10**6)) for t in territories]
        return territories if sizes[0] <= sizes[1] else territories[::-1]

    def _share(self, plan: _Plan, head: str, decimals: int, used: list[str], territories: list[Territory]) -> Composed:
        value = _with_year(plan.label, plan.end.year, plan.spec.per_capita)
        columns = [OutputColumn("Territoire", "territory"), OutputColumn(value, "value", plan.measure.unit, decimals,
                                                                         plan.end.year),
                   OutputColumn("Ensemble", "whole"),
                   OutputColumn(f"{value} (ensemble)", "whole_value", plan.measure.unit, decimals, plan.end.year),
                   OutputColumn("Part (%)", "share", "%", 1)]
        sql = head + (f"SELECT a.label_ AS \"Territoire\", a.v1 AS {ident(value)}, b.label_ AS \"Ensemble\", "
                      f"b.v1 AS {ident(value + ' (ensemble)')}, ROUND(100.0 * a.v1 / NULLIF(b.v1, 0), 1) AS "
                      "\"Part (%)\" FROM agg AS a, agg AS b WHERE a.o_ = 0 AND b.o_ = 1")
        return Composed(sql, used, columns, plan.measure, territories, None, (None, plan.end.year), plan.spec, "bar")

    @staticmethod
    def _chart(spec: QuerySpec, rows: int, mapped: bool, per_commune: bool) -> str:
        if spec.chart != "auto":
            return "none" if spec.chart == "map" and not mapped else spec.chart
        if spec.count or spec.rank:
            return "none"
        if not per_commune:
            return "line" if spec.from_year is not None else ("bar" if rows > 1 else "none")
        return "map" if mapped else "bar"


def _with_year(label: str, year: int | None, per_capita: float | None = None) -> str:
    text = f"{label} {year}" if year else label
    return f"{text} {per_capita_words(per_capita)}" if per_capita else text
