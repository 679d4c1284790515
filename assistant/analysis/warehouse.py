"""The DuckDB side: one DuckDB file per loaded table (written aside, then pointed at by the catalogue), and
answering connections that see only the tables a user may read, cannot touch files, and are time-bounded."""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from assistant.analysis.catalog import Dataset
from assistant.analysis.settings import AnalysisSettings

TABLE = "data"  # the one table inside each table file
_CACHED_CONNECTIONS = 8


class QueryFailed(RuntimeError):
    """DuckDB refused or failed the query; the message is DuckDB's."""


class QueryTimeout(QueryFailed):
    """The query ran longer than `analysis.query_timeout_s` and was interrupted."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    duckdb_ms: float


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


class Warehouse:
    def __init__(self, folder: Path, settings: AnalysisSettings) -> None:
        self.folder = folder
        self._settings = settings
        self._connections: OrderedDict[tuple[tuple[str, str], ...], duckdb.DuckDBPyConnection] = OrderedDict()
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------------------------------------
    def write_table(self, name: str, frame: pd.DataFrame | None = None, parquet: Path | None = None) -> str:
        """Write a new table file (never one in use) and return its file name; the catalogue switches to it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        file_name = f"{name}-{uuid.uuid4().hex[:12]}.duckdb"
        partial = self.folder / f".{file_name}.partial"
        connection = duckdb.connect(str(partial))
        try:
            if frame is not None:
                connection.register("incoming", frame)
                connection.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM incoming")
            elif parquet is not None:
                connection.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM read_parquet(?)", [str(parquet)])
            connection.execute("CHECKPOINT")
        finally:
            connection.close()
        os.replace(partial, self.folder / file_name)
        return file_name

    def describe(self, file_name: str) -> tuple[int, list[dict[str, str]]]:
        connection = duckdb.connect(str(self.folder / file_name), read_only=True)
        try:
            count = connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
            described = connection.execute(f"DESCRIBE {TABLE}").fetchall()
        finally:
            connection.close()
        return int(count[0] if count else 0), [{"name": row[0], "type": str(row[1])} for row in described]

    def rename_columns(self, file_name: str, renames: dict[str, str]) -> None:
        connection = duckdb.connect(str(self.folder / file_name))
        try:
            for old, new in renames.items():
                connection.execute(f'ALTER TABLE {TABLE} RENAME COLUMN "{old}" TO "{new}"')
        finally:
            connection.close()

    def delete(self, file_name: str) -> None:
        for path in (self.folder / file_name, self.folder / f"{file_name}.wal"):
            path.unlink(missing_ok=True)

    # -- answering -----------------------------------------------------------------------------------------
    def connection(self, datasets: Sequence[Dataset]) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB where each dataset is a view on its (read-only) table file, and nothing else."""
        key = tuple(sorted((d.name, d.table_file) for d in datasets))
        with self._lock:
            if key in self._connections:
                self._connections.move_to_end(key)
                return self._connections[key]
            connection = self._open(datasets)
            self._connections[key] = connection
            while len(self._connections) > _CACHED_CONNECTIONS:
                _, old = self._connections.popitem(last=False)
                old.close()
            return connection

    def _open(self, datasets: Sequence[Dataset]) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(":memory:", config={"threads": self._settings.threads,
                                                        "memory_limit": f"{self._settings.memory_limit_mb}MB"})
        for index, dataset in enumerate(datasets):
            path = str(self.folder / dataset.table_file)
            connection.execute(f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS ds{index} (READ_ONLY)")
            connection.execute(f'CREATE VIEW main."{dataset.name}" AS SELECT * FROM ds{index}.main.{TABLE}')
        # From here on no file can be read or written, and the setting cannot be turned back on by a query.
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
        return connection

    def execute(self, datasets: Sequence[Dataset], sql: str, max_rows: int | None = None) -> QueryResult:
        limit = max_rows or self._settings.max_rows
        cursor = self.connection(datasets).cursor()
        timer = threading.Timer(self._settings.query_timeout_s, cursor.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            cursor.execute(sql)
            columns = [item[0] for item in cursor.description or []]
            fetched = cursor.fetchmany(limit + 1)
        except duckdb.InterruptException as exc:
            raise QueryTimeout(f"query interrupted after {self._settings.query_timeout_s:g} s") from exc
        except duckdb.Error as exc:
            raise QueryFailed(str(exc).splitlines()[0]) from exc
        finally:
            timer.cancel()
            cursor.close()
        elapsed = (time.perf_counter() - started) * 1000
        rows = [[_plain(value) for value in row] for row in fetched[:limit]]
        return QueryResult(columns, rows, len(fetched) > limit, elapsed)

    def close(self) -> None:
        with self._lock:
            for connection in self._connections.values():
                connection.close()
            self._connections.clear()
