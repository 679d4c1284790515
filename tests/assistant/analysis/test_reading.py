"""French public files as they are: comments, separators, encodings, decimal commas, odd spaces, codes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from assistant.analysis.cards import CardError, DatasetCard
from assistant.analysis.reading import DatasetFileError
from assistant.analysis.service import AnalysisService

INSEE_LIKE = (
    "# Populations légales\n# Source : Insee\n"
    "# Code géographique;Libellé;Population;Part des 65 ans ou plus;Code département\n"
    "CODGEO;LIBGEO;POP;PART65;DEP\n"
    "01001;L'Abergement-Clémenciat;15\u00a0554;12,5;01\n"
    "2A004;Ajaccio;75\u202f343;s;2A\n"
    "97101;Les Abymes;51 760;;971\n"
    "21231;Dijon;159941;nd;21\n"
)


def _rows(service: AnalysisService, name: str, sql: str) -> list[list[object]]:
    return service.warehouse.execute(service.catalog.datasets(), sql.format(t=name)).rows


def test_a_french_csv_is_typed_as_published(service: AnalysisService, tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(INSEE_LIKE, encoding="utf-8")
    outcome = service.add(path, public=True)
    types = {c["name"]: c["type"] for c in outcome.dataset.columns}
    assert types == {"codgeo": "VARCHAR", "libgeo": "VARCHAR", "pop": "BIGINT", "part65": "DOUBLE",
                     "dep": "VARCHAR"}
    rows = _rows(service, "pop", "SELECT codgeo, pop, part65, dep FROM {t} ORDER BY codgeo")
    assert rows == [["01001", 15554, 12.5, "01"], ["21231", 159941, None, "21"], ["2A004", 75343, None, "2A"],
                    ["97101", 51760, None, "971"]]
    card = outcome.dataset.card
    assert card.inferred and card.level == "commune" and card.code_column == "codgeo"
    assert card.column("codgeo").role == "commune_code" and card.name_column == "libgeo"
    assert card.column("part65").label == "Part des 65 ans ou plus"  # from the commented label line


def test_latin1_tabs_and_two_header_lines(service: AnalysisService, tmp_path: Path) -> None:
    path = tmp_path / "menages.csv"
    text = "Code commune\tNom\tNombre de ménages\nCOM\tLIB\tMEN\n21166\tChenôve\t6 202\n21231\tDijon\t87 936\n"
    path.write_bytes(text.encode("cp1252"))
    outcome = service.add(path, public=True)
    assert outcome.dataset.column_names == ["com", "lib", "men"]
    assert outcome.dataset.card.column("men").label == "Nombre de ménages"
    assert _rows(service, "menages", "SELECT lib, men FROM {t} ORDER BY men") == [["Chenôve", 6202], ["Dijon", 87936]]


def test_xlsx_ods_and_parquet(service: AnalysisService, tmp_path: Path) -> None:
    frame = pd.DataFrame({"code": ["01001", "21231"], "valeur": ["1,5", "2"]})
    frame.to_excel(tmp_path / "feuille.xlsx", index=False)
    frame.to_excel(tmp_path / "feuille_ods.ods", index=False, engine="odf")
    duckdb.sql("SELECT '21231' AS code, 42 AS valeur").write_parquet(str(tmp_path / "tableau.parquet"))
    for name in ("feuille.xlsx", "feuille_ods.ods", "tableau.parquet"):
        dataset = service.add(tmp_path / name, public=True).dataset
        rows = _rows(service, dataset.name, "SELECT code, valeur FROM {t} ORDER BY code")
        assert rows[-1] == ["21231", 2 if name != "tableau.parquet" else 42], name
    assert _rows(service, "feuille", "SELECT valeur FROM {t} ORDER BY code")[0] == [1.5]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("vide.csv", "", "no table"),
    ("commentaires.csv", "# rien que des commentaires\n", "no table"),
    ("image.png", "x", "unsupported format"),
    ("select.csv", "a;b\n1;2\n", "SQL keyword"),
])
def test_unreadable_files_are_named_with_the_reason(service: AnalysisService, tmp_path: Path, name: str,
                                                    content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetFileError, match=message) as error:
        service.add(path, public=True)
    assert str(path) in str(error.value)
    assert service.catalog.datasets() == []


def test_a_card_naming_a_missing_column_is_refused(service: AnalysisService, tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(INSEE_LIKE, encoding="utf-8")
    card = DatasetCard.model_validate({"public": True, "columns": {"population_2021": {"label": "Population"}}})
    with pytest.raises(CardError, match="population_2021"):
        service.add(path, card)
