"""The model path, for a capable model only: it writes one SQL query from the readable tables' cards; the query
is validated like any other before it runs, and the narrative is still written from the rows, not by the model."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from assistant.analysis.answers import DataAnswer, source_of
from assistant.analysis.catalog import Dataset
from assistant.analysis.numbers import fr_number
from assistant.analysis.sqlcheck import SqlRejected, check_sql
from assistant.analysis.warehouse import QueryFailed
from assistant.llm import ChatMessage, ChatModel, LLMError

if TYPE_CHECKING:
    from assistant.analysis.context import AnswerContext
    from assistant.analysis.service import AnalysisService
    from assistant.principal import Principal

_FENCED = re.compile(r"```(?:sql)?\s*(.+?)```", re.S | re.I)
_SELECT = re.compile(r"((?:WITH|SELECT)\b.+)", re.S | re.I)
_SYSTEM = (
    "Tu écris une seule requête SQL DuckDB (SELECT, en lecture seule) qui répond à la question, à partir des "
    "seules tables décrites. Les codes Insee sont du texte. Réponds uniquement par la requête, sans explication.")


def schema_of(datasets: list[Dataset]) -> str:
    lines = []
    for dataset in datasets:
        card = dataset.card
        lines.append(f"Table {dataset.name} : {card.title} ({card.vintage}), niveau {card.level or 'autre'}")
        for column in dataset.columns:
            info = card.column(column["name"])
            unit = f", {info.unit}" if info.unit else ""
            lines.append(f"  - {column['name']} {column['type']} : {info.label or column['name']}{unit}")
    return "\n".join(lines)


def extract_sql(reply: str) -> str:
    fenced = _FENCED.search(reply)
    text = fenced.group(1) if fenced else reply
    found = _SELECT.search(text)
    return (found.group(1) if found else text).strip().rstrip(";").strip()


class TextToSql:
    def __init__(self, model: ChatModel, max_tokens: int = 400) -> None:
        self.model, self.max_tokens = model, max_tokens

    def answer(self, service: AnalysisService, principal: Principal, context: AnswerContext, question: str,
               started: float) -> DataAnswer:
        messages = [ChatMessage("system", _SYSTEM), ChatMessage("user", f"{schema_of(context.datasets)}\n\n"
                                                                       f"Question : {question}")]
        try:
            reply = self.model.chat(messages, max_tokens=self.max_tokens, temperature=0.0).text
            checked = check_sql(extract_sql(reply), [d.name for d in context.datasets])
            result = service.warehouse.execute(context.datasets, checked.sql)
        except (SqlRejected, QueryFailed, LLMError) as exc:
            return DataAnswer(question, "unanswerable", "La question n'a pas pu être traduite en une requête sur le "
                              f"catalogue ({exc}). Essayez le constructeur de requête.", method="model",
                              timings_ms={"total_ms": round((time.perf_counter() - started) * 1000, 2)})
        used = [d for d in context.datasets if d.name in checked.tables]
        shown = "; ".join(", ".join(f"{c} : {fr_number(v, 2 if isinstance(v, float) else 0)}"
                                    for c, v in zip(result.columns, row, strict=True)) for row in result.rows[:5])
        narrative = ("Résultat d'une requête rédigée par le modèle de langue et vérifiée avant exécution "
                     f"(relisez la requête SQL) : {shown or 'aucune ligne'}.")
        return DataAnswer(question, "answered", narrative, result.columns, result.rows, checked.sql,
                          [source_of(d) for d in used], None, None, "model", truncated=result.truncated,
                          timings_ms={"duckdb_ms": round(result.duckdb_ms, 2),
                                      "total_ms": round((time.perf_counter() - started) * 1000, 2)})
