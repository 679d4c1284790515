"""An answer as a file: CSV (semicolons, decimal commas, UTF-8 with BOM: what a French spreadsheet opens as is),
XLSX (the table, then a sheet with the SQL and the sources) or PNG (the chart)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from assistant.analysis.answers import DataAnswer
from assistant.analysis.charts import render_png

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "png": "image/png",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class NothingToExport(ValueError):
    """The answer has no table (or no chart, for a PNG)."""


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


def to_csv(answer: DataAnswer) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(answer.columns)
    writer.writerows([_csv_cell(v) for v in row] for row in answer.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(answer: DataAnswer) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Résultat"
    sheet.append(answer.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in answer.rows:
        sheet.append(row)
    about = book.create_sheet("Sources")
    about.append(["Question", answer.question])
    about.append(["Réponse", answer.narrative])
    about.append(["Requête SQL", answer.sql])
    for source in answer.datasets:
        about.append(["Source", source["title"], source["vintage"], source["licence"], source["source_url"]])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def export(answer: DataAnswer, file_format: str) -> bytes:
    if answer.status != "answered" or not answer.columns:
        raise NothingToExport("cette question n'a pas de tableau de résultat à exporter")
    if file_format == "csv":
        return to_csv(answer)
    if file_format == "xlsx":
        return to_xlsx(answer)
    if answer.chart is None:
        raise NothingToExport("cette réponse n'a pas de graphique à exporter")
    return render_png(answer.chart)
