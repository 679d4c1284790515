"""The analysis service: questions (parser, query builder, or a capable model) answered over the datasets a
user may read, with validated SQL; and the catalogue operations. Knows nothing of HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.analysis.answers import DataAnswer, source_of
from assistant.analysis.cards import DatasetCard
from assistant.analysis.catalog import Dataset, DatasetCatalog
from assistant.analysis.charts import chart_spec, render_svg
from assistant.analysis.compose import Composed
from assistant.analysis.context import AnswerContext, build_context
from assistant.analysis.loader import LoadOutcome, load_dataset
from assistant.analysis.narrative import write_narrative
from assistant.analysis.parser import NotUnderstood
from assistant.analysis.settings import AnalysisSettings
from assistant.analysis.spec import QuerySpec
from assistant.analysis.sqlcheck import check_sql
from assistant.analysis.sqlparts import Unanswerable
from assistant.analysis.territory import KINDS
from assistant.analysis.text import name_key
from assistant.analysis.text_to_sql import TextToSql
from assistant.analysis.warehouse import Warehouse
from assistant.principal import Principal


class UnknownDataset(LookupError):
    """No such dataset, or not one this user may read (the same answer, so that names do not leak)."""


class AnalysisService:
    def __init__(self, catalog: DatasetCatalog, warehouse: Warehouse, settings: AnalysisSettings,
                 text_to_sql: TextToSql | None = None, geojson: Path | None = None) -> None:
        self.catalog, self.warehouse, self.settings = catalog, warehouse, settings
        self.text_to_sql, self.geojson = text_to_sql, geojson
        self._contexts: dict[tuple[object, ...], AnswerContext] = {}
        self._catalogue: tuple[tuple[int, int, str], list[Dataset]] | None = None
        self._lock = threading.Lock()

    # -- what a user may read ------------------------------------------------------------------------------
    def readable(self, principal: Principal) -> list[Dataset]:
        return [d for d in self._all() if principal.can_read(d.groups)]

    def _all(self) -> list[Dataset]:
        """The catalogue, read again only when its stamp changed (another process may have loaded a file)."""
        stamp = self.catalog.stamp()
        with self._lock:
            if self._catalogue is None or self._catalogue[0] != stamp:
                self._catalogue = (stamp, self.catalog.datasets())
            return self._catalogue[1]

    def dataset(self, principal: Principal, name: str) -> Dataset:
        dataset = self.catalog.get(name)
        if dataset is None or not principal.can_read(dataset.groups):
            raise UnknownDataset(name)
        return dataset

    def context(self, principal: Principal) -> AnswerContext:
        datasets = self.readable(principal)
        key = tuple(sorted((d.name, d.table_file, d.version) for d in datasets))
        with self._lock:
            if key not in self._contexts:
                if len(self._contexts) > 16:
                    self._contexts.clear()
                self._contexts[key] = build_context(datasets, self.warehouse, self.settings)
            return self._contexts[key]

    def territories(self, principal: Principal, prefix: str, limit: int = 20) -> list[dict[str, str]]:
        """Territories whose name starts with `prefix` (folded), for the query builder."""
        key = name_key(prefix)
        gazetteer = self.context(principal).gazetteer
        found = [t for name, ts in gazetteer.names.items() if name.startswith(key) for t in ts]
        found.sort(key=lambda t: (KINDS.index(t.kind), -gazetteer.population.get(t.code, 0), t.name))
        return [{"kind": t.kind, "code": t.code, "name": t.name} for t in found[:limit]]

    # -- answering -----------------------------------------------------------------------------------------
    def ask(self, principal: Principal, question: str, render: bool = False) -> DataAnswer:
        started = time.perf_counter()
        context = self.context(principal)
        try:
            parsed = context.parser.parse(question)
            composed = context.composer.compose(parsed.spec)
        except NotUnderstood as exc:
            if self.text_to_sql is not None and context.datasets:
                return self.text_to_sql.answer(self, principal, context, question, started)
            return self._unanswerable(question, exc, started)
        except Unanswerable as exc:
            return self._unanswerable(question, exc, started)
        return self._run(context, question, composed, "parser", parsed.notes, started, render)

    def run_spec(self, principal: Principal, spec: QuerySpec, render: bool = False) -> DataAnswer:
        started = time.perf_counter()
        context = self.context(principal)
        try:
            composed = context.composer.compose(spec)
        except Unanswerable as exc:
            return self._unanswerable("", exc, started)
        return self._run(context, "", composed, "builder", [], started, render)

    def _run(self, context: AnswerContext, question: str, composed: Composed, method: str, notes: list[str],
             started: float, render: bool) -> DataAnswer:
        planned = time.perf_counter()
        checked = check_sql(composed.sql, [d.name for d in context.datasets])
        result = self.warehouse.execute(context.datasets, checked.sql)
        chart = chart_spec(composed, result.rows, self.geojson, self.settings.geojson_code_property)
        used = [context.semantics.datasets[name] for name in checked.tables if name in context.semantics.datasets]
        answer = DataAnswer(
            question, "answered", write_narrative(composed, result.rows), result.columns, result.rows, checked.sql,
            [source_of(d) for d in used], chart, composed.spec.model_dump(mode="json", exclude_defaults=True),
            method, notes=notes + (["Résultat tronqué : affinez la question."] if result.truncated else []),  # type: ignore[arg-type]
            truncated=result.truncated)
        finished = time.perf_counter()
        answer.timings_ms = {"plan_ms": round((planned - started) * 1000, 2), "duckdb_ms": round(result.duckdb_ms, 2),
                             "total_ms": round((finished - started) * 1000, 2)}
        if render and chart is not None:
            answer.chart_svg = render_svg(chart)
        return answer

    def _unanswerable(self, question: str, error: Unanswerable, started: float) -> DataAnswer:
        narrative = error.message + (f" Il faudrait : {error.needed}." if error.needed else "")
        return DataAnswer(question, "unanswerable", narrative, needed=error.needed,
                          timings_ms={"total_ms": round((time.perf_counter() - started) * 1000, 2)})

    # -- catalogue -----------------------------------------------------------------------------------------
    def add(self, path: Path, card: DatasetCard | None = None, name: str | None = None,
            groups: Sequence[str] | None = None, public: bool = False) -> LoadOutcome:
        return load_dataset(self.catalog, self.warehouse, path, card=card, name=name, groups=groups, public=public,
                            max_file_mb=self.settings.max_file_mb)

    def remove(self, name: str) -> Dataset:
        removed = self.catalog.remove(name)
        if removed is None:
            raise UnknownDataset(name)
        self.warehouse.delete(removed.table_file)
        return removed

    def set_groups(self, name: str, groups: list[str]) -> Dataset:
        changed = self.catalog.set_groups(name, groups)
        if changed is None:
            raise UnknownDataset(name)
        return changed

    def close(self) -> None:
        self.warehouse.close()
