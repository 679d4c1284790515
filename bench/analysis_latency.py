"""Territorial analysis latency: question -> answer through the service (parse, compose, check, run, narrative,
chart spec), against DuckDB's own time for the same SQL on the same table file (the floor).

Two tables: INSEE's national communes table (~35k rows, ../shared/data) and a synthetic 10-million-row table
(one row per commune and day, written with DuckDB and loaded through `load_dataset` as Parquet). The overhead
is the answer's time minus the floor, per question (target: <= 50 ms). Charts are not rendered here (the page
renders one SVG per answer: measured separately, as `render`).

    .venv/bin/python bench/analysis_latency.py [--rows 10000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.analysis.cards import DatasetCard, card_path_for, read_card  # noqa: E402
from assistant.analysis.catalog import DatasetCatalog  # noqa: E402
from assistant.analysis.charts import render_svg  # noqa: E402
from assistant.analysis.service import AnalysisService  # noqa: E402
from assistant.analysis.settings import AnalysisSettings  # noqa: E402
from assistant.analysis.warehouse import TABLE, Warehouse  # noqa: E402
from assistant.database import Database  # noqa: E402
from assistant.principal import Principal  # noqa: E402

INSEE = ROOT.parent / "shared" / "data" / "insee"
CARDS = ROOT / "deploy" / "demo" / "datasets"
NATIONAL = ["Les 10 communes les plus peuplées de France", "Population de Dijon", "Population de la Côte-d'Or",
            "Combien de communes de France ont plus de 10 000 habitants ?", "Population de Paris",
            "Quel est le rang de Chenôve en Côte-d'Or pour la population ?",
            "Combien d'habitants à Ajaccio ?", "Population de la Bretagne",
            "Quelle part de la population de la France vit en Côte-d'Or ?",
            "Comparer la population de Lyon et de Marseille"]
SYNTHETIC = ["Total des consommations en France", "Consommation de Dijon", "Consommation de la Côte-d'Or",
             "Consommation de Dijon Métropole", "Comparer la consommation de Lyon et de Marseille",
             "Quelle part de la consommation de la France revient à la Côte-d'Or ?",
             "Consommation de la Bretagne", "Consommation de Chenôve comparée à la métropole"]
SYNTHETIC_CARD = {
    "title": "Consommations journalières synthétiques (banc d'essai)", "vintage": "synthétique", "licence": "-",
    "public": True, "level": "commune", "code_column": "code_insee", "columns": {
        "code_insee": {"type": "code", "role": "commune_code"}, "jour": {"type": "integer"},
        "consommation": {"label": "Consommation", "unit": "kWh", "measure": "consommation", "year": 2024,
                         "synonyms": ["consommation", "consommations"]}}}


def _service(folder: Path) -> AnalysisService:
    settings = AnalysisSettings.model_validate({"home": {"epci": "242100410", "commune": "21231",
                                                         "departement": "21"}, "query_timeout_s": 120})
    return AnalysisService(DatasetCatalog(Database(f"sqlite:///{folder / 'a.db'}")),
                           Warehouse(folder / "tables", settings), settings)


def _synthetic(folder: Path, rows: int) -> Path:
    path = folder / "consommations_synthetiques.parquet"
    codes = [f"'{c}'" for c in sorted(
        line.split(";")[0] for line in (INSEE / "insee_epci_2024_composition_communale.csv").read_text(
            encoding="utf-8").splitlines() if line[:1].isdigit() or line[:2] in ("2A", "2B"))]
    duckdb.sql(f"""COPY (SELECT ([{', '.join(codes)}])[1 + (i % {len(codes)})] AS code_insee,
                   (i // {len(codes)})::INTEGER AS jour, round(random() * 1000, 2) AS consommation
                   FROM range({rows}) AS t(i)) TO '{path}' (FORMAT parquet)""")
    return path


def _floor_connection(service: AnalysisService) -> duckdb.DuckDBPyConnection:
    """DuckDB alone: a plain connection that attaches the same table files under the same names."""
    connection = duckdb.connect(":memory:")
    for index, dataset in enumerate(service.catalog.datasets()):
        connection.execute(f"ATTACH '{service.warehouse.folder / dataset.table_file}' AS f{index} (READ_ONLY)")
        connection.execute(f'CREATE VIEW "{dataset.name}" AS SELECT * FROM f{index}.main.{TABLE}')
    return connection


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _measure(service: AnalysisService, questions: list[str], repeat: int) -> dict[str, object]:
    """Answer and floor timed alternately (the machine's load drifts: both see the same moments)."""
    operator, results = Principal.operator(), []
    floor = _floor_connection(service)
    for question in questions:
        first = service.ask(operator, question)
        assert first.status == "answered", (question, first.narrative)
        floor.execute(first.sql).fetchall()
        answers, floors = [], []
        for _ in range(repeat):
            answers.append(_timed(lambda q=question: service.ask(operator, q)))
            floors.append(_timed(lambda sql=first.sql: floor.execute(sql).fetchall()))
        render = _timed(lambda chart=first.chart: render_svg(chart)) if first.chart is not None else 0.0
        answer_ms, floor_ms = statistics.median(answers), statistics.median(floors)
        results.append({"question": question, "answer_ms": answer_ms, "floor_ms": floor_ms,
                        "overhead_ms": answer_ms - floor_ms, "render_ms": render})
    floor.close()
    overheads = sorted(r["overhead_ms"] for r in results)
    return {"questions": results, "answer_p50_ms": statistics.median(r["answer_ms"] for r in results),
            "floor_p50_ms": statistics.median(r["floor_ms"] for r in results),
            "overhead_p50_ms": statistics.median(overheads), "overhead_max_ms": overheads[-1],
            "ratio_p50": statistics.median(r["answer_ms"] / r["floor_ms"] for r in results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not INSEE.is_dir():
        sys.exit(f"{INSEE} is absent: this benchmark needs INSEE's national table")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        service = _service(folder)
        for path in sorted(INSEE.glob("insee_*.csv")):
            service.add(path, read_card(card_path_for(path, CARDS)))
        started = time.perf_counter()
        service.context(Principal.operator())
        context_s = time.perf_counter() - started
        national = _measure(service, NATIONAL, args.repeat)
        parquet = _synthetic(folder, args.rows)
        started = time.perf_counter()
        service.add(parquet, DatasetCard.model_validate(SYNTHETIC_CARD))
        load_s = time.perf_counter() - started
        synthetic = _measure(service, SYNTHETIC, args.repeat)
        service.close()
    report = {"context_build_s": round(context_s, 2), "synthetic_rows": args.rows,
              "synthetic_load_s": round(load_s, 2), "national": national, "synthetic": synthetic}
    print(json.dumps(report, ensure_ascii=False, indent=2, default=lambda v: round(v, 2)))
    for name in ("national", "synthetic"):
        part = report[name]
        print(f"{name}: answer p50 {part['answer_p50_ms']:.1f} ms, DuckDB floor p50 {part['floor_p50_ms']:.1f} ms, "
              f"overhead p50 {part['overhead_p50_ms']:.1f} ms (max {part['overhead_max_ms']:.1f}), "
              f"answer/floor p50 {part['ratio_p50']:.2f}x", file=sys.stderr)


if __name__ == "__main__":
    main()
