"""The analysis questions of the evaluation, written by the project, each with the rows it must return,
computed with pandas from the raw INSEE files (tests/eval/insee_reference.py), not by the product."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.eval.insee_reference import Insee

Rows = list[list[Any]]
METRO_NAME, DEP_NAME = "Dijon Métropole", "Côte-d'Or"
CHOMAGE = ("pop_15_64_chomage_2021", "pop_15_64_active_2021")


@dataclass(frozen=True)
class Question:
    pattern: str
    text: str
    expected: Callable[[Insee], Rows]


def pct(part: float, whole: float) -> float:
    return round(100 * part / whole, 1)


def ordered(items: list[tuple[str, Any]], descending: bool = True) -> list[tuple[str, Any]]:
    return sorted(items, key=lambda item: ((-item[1] if descending else item[1]), item[0]))


def ranked(items: list[tuple[str, Any]], limit: int | None, descending: bool = True) -> Rows:
    order = ordered(items, descending)
    rows: Rows = []
    for position, (name, value) in enumerate(order, start=1):
        tied = rows and rows[-1][2] == value
        rows.append([rows[-1][0] if tied else position, name, value])
    return rows[:limit] if limit else rows


def metro(insee: Insee, value: Callable[[str], Any]) -> list[tuple[str, Any]]:
    return [(insee.name(code), value(code)) for code in sorted(insee.metro_codes)]


def dep21(insee: Insee, value: Callable[[str], Any]) -> list[tuple[str, Any]]:
    return [(insee.name(code), value(code)) for code in sorted(insee.dep21_codes)]


def pop(insee: Insee) -> Callable[[str], int]:
    return lambda code: int(insee.population.loc[code, "Population municipale"])


def comp(insee: Insee, column: str) -> Callable[[str], Any]:
    def value(code: str) -> Any:
        number = insee.comparateur.loc[code, column]
        return int(number) if float(number).is_integer() and column != "superficie_km2" else float(number)
    return value


def rate(insee: Insee, numerator: str, denominator: str, scale: float = 100,
         decimals: int = 1) -> Callable[[str], float]:
    return lambda code: insee.rate({code}, numerator, denominator, scale, decimals)


def commune_value(name: str, value: Callable[[Insee, str], Any]) -> Callable[[Insee], Rows]:
    return lambda insee: [[name, value(insee, insee.code_of(name))]]


def evolution_row(name: str, start: float, end: float) -> list[Any]:
    return [name, start, end, end - start, pct(end - start, start)]


def metro_evolution(insee: Insee, end_year: int) -> list[tuple[str, tuple[int, int]]]:
    def pair(code: str) -> tuple[int, int]:
        start = int(insee.comparateur.loc[code, "population_2015"])
        end = pop(insee)(code) if end_year == 2022 else int(insee.comparateur.loc[code, "population_2021"])
        return start, end
    return [(insee.name(code), pair(code)) for code in sorted(insee.metro_codes)]


def evolution_ranking(insee: Insee, end_year: int, limit: int | None, descending: bool = True,
                      relative: bool = False) -> Rows:
    items = metro_evolution(insee, end_year)
    key = {name: (pct(e - s, s) if relative else e - s) for name, (s, e) in items}
    rows = ranked(list(key.items()), limit, descending)
    values = dict(items)
    return [[rank, name, values[name][0], values[name][1], values[name][1] - values[name][0],
             pct(values[name][1] - values[name][0], values[name][0])] for rank, name, _ in rows]


def listed(items: list[tuple[str, Any]], descending: bool = True) -> Rows:
    return [[name, value] for name, value in ordered(items, descending)]


def share_rows(insee: Insee) -> Rows:
    total = insee.pop2022(insee.metro_codes)
    return [[name, value, pct(value, total)] for name, value in ordered(metro(insee, pop(insee)))]


def map_rows(insee: Insee) -> Rows:
    density = rate(insee, "population_2021", "superficie_km2", 1, 1)
    return [[name, value, insee.code_of(name), float(insee.comparateur.loc[insee.code_of(name), "lat"]),
             float(insee.comparateur.loc[insee.code_of(name), "lng"])]
            for name, value in ordered(metro(insee, density))]


def rank_of(insee: Insee, name: str, codes: set[str]) -> Rows:
    items = [(insee.name(code), pop(insee)(code)) for code in codes]
    [row] = [row for row in ranked(items, None) if row[1] == name]
    return [[name, row[2], row[0], len(codes)]]


def _questions() -> list[Question]:
    q = Question
    return [
        # total, for a commune
        q("total", "Combien d'habitants compte Fontaine-lès-Dijon ?",
          commune_value("Fontaine-lès-Dijon", lambda i, c: pop(i)(c))),
        q("total", "Population de Chenôve", commune_value("Chenôve", lambda i, c: pop(i)(c))),
        q("total", "Quelle est la population de Dijon ?", commune_value("Dijon", lambda i, c: pop(i)(c))),
        q("total", "population de fontaine les dijon", commune_value("Fontaine-lès-Dijon", lambda i, c: pop(i)(c))),
        q("total", "Nombre d'habitants à Talant", commune_value("Talant", lambda i, c: pop(i)(c))),
        q("total", "Combien de ménages à Quetigny ?",
          commune_value("Quetigny", lambda i, c: comp(i, "menages_2021")(c))),
        q("total", "Nombre de naissances à Dijon en 2022",
          commune_value("Dijon", lambda i, c: comp(i, "naissances_2022")(c))),
        q("total", "Superficie de Longvic", commune_value("Longvic", lambda i, c: comp(i, "superficie_km2")(c))),
        q("total", "Combien d'habitants à Ajaccio ?", commune_value("Ajaccio", lambda i, c: pop(i)(c))),
        q("total", "Population des Abymes", commune_value("Les Abymes", lambda i, c: pop(i)(c))),
        q("total", "Population de Paris", lambda i: [["Paris", pop(i)("75056")]]),
        # total, for an EPCI or a département
        q("total", "Population de Dijon Métropole", lambda i: [[METRO_NAME, i.pop2022(i.metro_codes)]]),
        q("total", "Combien d'habitants dans la métropole ?", lambda i: [[METRO_NAME, i.pop2022(i.metro_codes)]]),
        q("total", "Combien d'habitants en Côte-d'Or ?", lambda i: [[DEP_NAME, i.pop2022(i.dep21_codes)]]),
        q("total", "Nombre de ménages de la métropole",
          lambda i: [[METRO_NAME, int(i.comp(i.metro_codes, "menages_2021"))]]),
        q("total", "Combien de décès dans la métropole en 2022 ?",
          lambda i: [[METRO_NAME, int(i.comp(i.metro_codes, "deces_2022"))]]),
        # top / bottom N
        q("top", "Quelles sont les 5 communes les plus peuplées de la métropole ?",
          lambda i: ranked(metro(i, pop(i)), 5)),
        q("top", "Les trois communes les moins peuplées de la métropole",
          lambda i: ranked(metro(i, pop(i)), 3, descending=False)),
        q("top", "Quelle est la commune la plus peuplée de la Côte-d'Or ?", lambda i: ranked(dep21(i, pop(i)), 1)),
        q("top", "Les 10 communes les plus peuplées de France",
          lambda i: ranked([(str(r["Nom de la commune"]), int(r["Population municipale"]))
                            for _, r in i.population.iterrows()], 10)),
        q("top", "Les 5 communes les plus denses de la métropole",
          lambda i: ranked(metro(i, rate(i, "population_2021", "superficie_km2", 1, 1)), 5)),
        q("top", "Quelle commune de la métropole a le taux de chômage le plus élevé ?",
          lambda i: ranked(metro(i, rate(i, *CHOMAGE)), 1)),
        q("top", "Quelles communes de la métropole ont le plus de naissances ?",
          lambda i: ranked(metro(i, comp(i, "naissances_2022")), 5)),
        q("top", "Classement des communes de la métropole par population", lambda i: ranked(metro(i, pop(i)), None)),
        # evolution between two years
        q("evolution", "Quelles communes de la métropole ont le plus gagné d'habitants depuis 2015 ?",
          lambda i: evolution_ranking(i, 2022, 5)),
        q("evolution", "Évolution de la population de Dijon entre 2015 et 2021",
          lambda i: [evolution_row("Dijon", *[int(i.comparateur.loc["21231", f"population_{y}"])
                                              for y in (2015, 2021)])]),
        q("evolution", "Comment a évolué la population de la métropole depuis 2015 ?",
          lambda i: [evolution_row(METRO_NAME, int(i.comp(i.metro_codes, "population_2015")),
                                   i.pop2022(i.metro_codes))]),
        q("evolution", "Évolution de la population de Chenôve entre 2015 et 2022",
          lambda i: [evolution_row("Chenôve", int(i.comparateur.loc["21166", "population_2015"]), pop(i)("21166"))]),
        q("evolution", "Quelles communes de la métropole ont perdu le plus d'habitants entre 2015 et 2021 ?",
          lambda i: evolution_ranking(i, 2021, 5, descending=False)),
        q("evolution",
          "Les 3 communes de la métropole dont la population a le plus progressé en pourcentage depuis 2015",
          lambda i: evolution_ranking(i, 2022, 3, relative=True)),
        q("evolution", "Évolution de la population de la Côte-d'Or entre 2015 et 2021",
          lambda i: [evolution_row(DEP_NAME, int(i.comp(i.dep21_codes, "population_2015")),
                                   int(i.comp(i.dep21_codes, "population_2021")))]),
        q("evolution", "Population de Talant en 2015",
          commune_value("Talant", lambda i, c: comp(i, "population_2015")(c))),
        # comparison of territories
        q("compare", "Taux de chômage à Chenôve comparé à la Côte-d'Or",
          lambda i: [["Chenôve", i.rate({"21166"}, *CHOMAGE)], [DEP_NAME, i.rate(i.dep21_codes, *CHOMAGE)]]),
        q("compare", "Comparer la population de Dijon et de Chenôve",
          lambda i: [["Dijon", pop(i)("21231")], ["Chenôve", pop(i)("21166")]]),
        q("compare", "Densité de Talant par rapport à la métropole",
          lambda i: [["Talant", i.rate({"21617"}, "population_2021", "superficie_km2", 1, 1)],
                     [METRO_NAME, i.rate(i.metro_codes, "population_2021", "superficie_km2", 1, 1)]]),
        q("compare", "Taux de chômage de Dijon, de la métropole et de la Côte-d'Or",
          lambda i: [["Dijon", i.rate({"21231"}, *CHOMAGE)], [METRO_NAME, i.rate(i.metro_codes, *CHOMAGE)],
                     [DEP_NAME, i.rate(i.dep21_codes, *CHOMAGE)]]),
        q("compare", "Nombre de ménages à Longvic et à Quetigny",
          lambda i: [["Longvic", comp(i, "menages_2021")("21355")], ["Quetigny", comp(i, "menages_2021")("21515")]]),
        # share of a total
        q("share", "Quelle part de la population de la Côte-d'Or vit dans la métropole ?",
          lambda i: [[METRO_NAME, i.pop2022(i.metro_codes), DEP_NAME, i.pop2022(i.dep21_codes),
                      pct(i.pop2022(i.metro_codes), i.pop2022(i.dep21_codes))]]),
        q("share", "Part de Dijon dans la population de la métropole",
          lambda i: [["Dijon", pop(i)("21231"), METRO_NAME, i.pop2022(i.metro_codes),
                      pct(pop(i)("21231"), i.pop2022(i.metro_codes))]]),
        q("share", "Quelle proportion des habitants de la métropole vit à Chenôve ?",
          lambda i: [["Chenôve", pop(i)("21166"), METRO_NAME, i.pop2022(i.metro_codes),
                      pct(pop(i)("21166"), i.pop2022(i.metro_codes))]]),
        q("share", "Part de chaque commune dans la population de la métropole", share_rows),
        # density and other ratios
        q("ratio", "Densité de population de Dijon",
          lambda i: [["Dijon", i.rate({"21231"}, "population_2021", "superficie_km2", 1, 1)]]),
        q("ratio", "Densité par commune, sur une carte", map_rows),
        q("ratio", "Taux de chômage à Chenôve", lambda i: [["Chenôve", i.rate({"21166"}, *CHOMAGE)]]),
        q("ratio", "Taux de chômage de la métropole", lambda i: [[METRO_NAME, i.rate(i.metro_codes, *CHOMAGE)]]),
        q("ratio", "Naissances pour 1000 habitants à Dijon",
          lambda i: [["Dijon", i.rate({"21231"}, "naissances_2022", "population_2021", 1000, 1)]]),
        q("ratio", "Taille moyenne des ménages à Talant",
          lambda i: [["Talant", i.rate({"21617"}, "population_2021", "menages_2021", 1, 2)]]),
        q("ratio", "Taux d'activité à Longvic",
          lambda i: [["Longvic", i.rate({"21355"}, "pop_15_64_active_2021", "pop_15_64_totale_2021")]]),
        q("ratio", "Décès pour mille habitants dans la métropole",
          lambda i: [[METRO_NAME, i.rate(i.metro_codes, "deces_2022", "population_2021", 1000, 1)]]),
        # breakdown by commune
        q("breakdown", "Population par commune de la métropole", lambda i: listed(metro(i, pop(i)))),
        q("breakdown", "Nombre de ménages de chaque commune de la métropole",
          lambda i: listed(metro(i, comp(i, "menages_2021")))),
        q("breakdown", "Taux de chômage par commune de la métropole", lambda i: listed(metro(i, rate(i, *CHOMAGE)))),
        q("breakdown", "Liste des communes de la métropole avec leur superficie",
          lambda i: listed(metro(i, comp(i, "superficie_km2")))),
        # communes whose value passes a threshold
        q("filter", "Quelles communes de la métropole ont plus de 10 000 habitants ?",
          lambda i: listed([(n, v) for n, v in metro(i, pop(i)) if v > 10000])),
        q("filter", "Communes de la métropole dont le taux de chômage dépasse 10 %",
          lambda i: listed([(n, v) for n, v in metro(i, rate(i, *CHOMAGE)) if v > 10])),
        q("filter", "Quelles communes de la Côte-d'Or comptent plus de 5 000 habitants ?",
          lambda i: listed([(n, v) for n, v in dep21(i, pop(i)) if v > 5000])),
        q("filter", "Communes de la métropole de moins de 1 000 habitants",
          lambda i: listed([(n, v) for n, v in metro(i, pop(i)) if v < 1000])),
        q("filter", "Quelles communes de la métropole ont une densité supérieure à 1000 habitants par km² ?",
          lambda i: listed([(n, v) for n, v in metro(i, rate(i, "population_2021", "superficie_km2", 1, 1))
                            if v > 1000])),
        # count
        q("count", "Combien de communes compte la métropole ?", lambda i: [[len(i.metro_codes)]]),
        q("count", "Combien de communes de Côte-d'Or ont plus de 2 000 habitants ?",
          lambda i: [[sum(1 for _, v in dep21(i, pop(i)) if v > 2000)]]),
        q("count", "Nombre de communes de la métropole de plus de 5 000 habitants",
          lambda i: [[sum(1 for _, v in metro(i, pop(i)) if v > 5000)]]),
        # rank
        q("rank", "Quel est le rang de Chenôve dans la métropole pour la population ?",
          lambda i: rank_of(i, "Chenôve", i.metro_codes)),
        q("rank", "Rang de Talant en Côte-d'Or pour le nombre d'habitants",
          lambda i: rank_of(i, "Talant", i.dep21_codes)),
    ]


QUESTIONS = _questions()
