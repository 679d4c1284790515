"""Questions on the project's fictional territory: names with accents, hyphens and articles, the patterns, what
cannot be answered, and the model path (a scripted model: the SQL it writes is checked like any other)."""

from __future__ import annotations

import pytest

from assistant.analysis.service import AnalysisService
from assistant.analysis.text_to_sql import TextToSql
from assistant.llm.fake import FakeChatModel
from assistant.principal import Principal

OPERATOR = Principal.operator()


@pytest.mark.parametrize("question", [
    "Population de Saint-Exemple-lès-Démoville", "population de saint exemple les demoville",
    "Combien d'habitants à SAINT-EXEMPLE-LÈS-DÉMOVILLE ?", "Nombre d'habitants de Saint Exemple lès Démoville",
])
def test_names_match_whatever_the_accents_hyphens_and_case(demo: AnalysisService, question: str) -> None:
    assert demo.ask(OPERATOR, question).rows == [["Saint-Exemple-lès-Démoville", 6544]]


def test_articles_of_names_and_of_the_home_territory(demo: AnalysisService) -> None:
    assert demo.ask(OPERATOR, "Population de la Chapelle-Fictive").rows == [["La Chapelle-Fictive", 2391]]
    assert demo.ask(OPERATOR, "Combien d'habitants aux Essarts-Modèles ?").rows == [["Les Essarts-Modèles", 702]]
    metro = demo.ask(OPERATOR, "Population de l'agglomération")
    assert metro.rows == [["Démoville Agglomération", 49870 + 6544 + 2391 + 1006]]
    plateau = demo.ask(OPERATOR, "Population du Plateau Témoin")  # « Communauté de communes du Plateau Témoin »
    assert plateau.rows == [["Communauté de communes du Plateau Témoin", 1498 + 702]]


def test_a_secret_value_is_missing_not_zero(demo: AnalysisService) -> None:
    answer = demo.ask(OPERATOR, "Nombre de ménages par commune de l'agglomération")
    assert answer.rows[-1] == ["Val-d'Essai", None]
    assert "non disponible" in answer.narrative


def test_an_evolution_a_ranking_and_a_map(demo: AnalysisService) -> None:
    evolution = demo.ask(OPERATOR, "Quelle commune de l'agglomération a perdu le plus d'habitants depuis 2015 ?")
    assert evolution.rows == [[1, "La Chapelle-Fictive", 2480, 2391, -89, -3.6]]
    assert "−89" in evolution.narrative and "−3,6 %" in evolution.narrative
    mapped = demo.ask(OPERATOR, "Carte de la densité des communes de l'agglomération", render=True)
    assert mapped.chart is not None and mapped.chart["type"] == "map" and mapped.chart_svg
    assert mapped.columns[-3:] == ["Code Insee", "Latitude", "Longitude"]


def test_what_the_catalogue_cannot_answer_says_which_data_is_needed(demo: AnalysisService) -> None:
    answer = demo.ask(OPERATOR, "Combien de logements sociaux à Démoville ?")
    assert answer.status == "unanswerable" and answer.rows == [] and answer.sql == ""
    assert "logements sociaux" in answer.narrative and "Il faudrait" in answer.narrative
    year = demo.ask(OPERATOR, "Population de Démoville en 1990")
    assert year.status == "unanswerable" and "années disponibles" in year.narrative
    assert demo.ask(OPERATOR, "Bonjour, comment allez-vous ?").status == "unanswerable"


def test_the_model_path_runs_only_checked_sql(demo: AnalysisService) -> None:
    model = FakeChatModel(["```sql\nSELECT commune, superficie_km2 FROM demo_territoire_2024 "
                           "ORDER BY superficie_km2 DESC LIMIT 1\n```", "DROP TABLE demo_territoire_2024"])
    demo.text_to_sql = TextToSql(model)
    answered = demo.ask(OPERATOR, "Bonjour, quelle est la plus vaste ?")
    assert answered.method == "model" and answered.rows == [["Démoville", 32.41]]
    assert "vérifiée" in answered.narrative and "32,41" in answered.narrative
    assert "demo_territoire_2024" in model.calls[0][1].content  # the schema of the readable tables
    refused = demo.ask(OPERATOR, "Bonjour, efface tout")
    assert refused.status == "unanswerable" and "SELECT" in refused.narrative
    assert demo.ask(OPERATOR, "Population de Démoville").rows == [["Démoville", 49870]]


def test_a_registered_geojson_makes_maps_choropleths(demo: AnalysisService, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    squares = [{"type": "Feature", "properties": {"code": code},
                "geometry": {"type": "Polygon", "coordinates": [[[2.4 + i / 10, 45.0], [2.45 + i / 10, 45.0],
                                                                 [2.45 + i / 10, 45.05], [2.4 + i / 10, 45.0]]]}}
               for i, code in enumerate(["99001", "99002", "99003", "99004"])]
    path = tmp_path / "communes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": squares}), encoding="utf-8")
    demo.geojson = path
    answer = demo.ask(OPERATOR, "Carte de la population des communes de l'agglomération", render=True)
    assert answer.chart is not None and answer.chart["vega_lite"]["mark"]["type"] == "geoshape"
    assert len(answer.chart["vega_lite"]["data"]["values"]) == 4 and answer.chart_svg
    assert answer.chart_svg.count("<path") >= 4
