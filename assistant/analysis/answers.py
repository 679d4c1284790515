"""An answer to a data question: the table, the SQL that computed it, the narrative, the sources, the chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.analysis.catalog import Dataset

Method = Literal["parser", "builder", "model", "none"]


@dataclass
class DataAnswer:
    question: str
    status: Literal["answered", "unanswerable"]
    narrative: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    sql: str = ""
    datasets: list[dict[str, str]] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    spec: dict[str, Any] | None = None
    method: Method = "none"
    needed: str = ""
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)
    chart_svg: str | None = None

    def payload(self) -> dict[str, Any]:
        """The `--json` / API shape: columns, rows, sql, narrative, datasets, chart, and the details."""
        return {"question": self.question, "status": self.status, "columns": self.columns, "rows": self.rows,
                "sql": self.sql, "narrative": self.narrative, "datasets": self.datasets, "chart": self.chart,
                "method": self.method, "spec": self.spec, "needed": self.needed, "notes": self.notes,
                "truncated": self.truncated, "timings_ms": self.timings_ms}


def source_of(dataset: Dataset) -> dict[str, str]:
    card = dataset.card
    return {"name": dataset.name, "title": card.title, "producer": card.producer, "vintage": card.vintage,
            "licence": card.licence, "source_url": card.source_url}
