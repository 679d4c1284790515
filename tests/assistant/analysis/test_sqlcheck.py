"""Every analysis query is one read-only SELECT on catalogue tables, and runs where nothing else is reachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.analysis.service import AnalysisService
from assistant.analysis.sqlcheck import SqlRejected, check_sql
from assistant.analysis.warehouse import QueryFailed, QueryTimeout

ALLOWED = ["population", "composition"]


@pytest.mark.parametrize("sql", [
    "SELECT commune FROM population",
    "WITH w AS (SELECT * FROM population) SELECT * FROM w JOIN composition c ON w.code = c.code",
    "SELECT RANK() OVER (ORDER BY p DESC) FROM population WHERE code IN (SELECT code FROM composition)",
])
def test_reads_of_catalogue_tables_pass(sql: str) -> None:
    assert check_sql(sql, ALLOWED).tables


@pytest.mark.parametrize("sql", [
    "DROP TABLE population", "DELETE FROM population", "INSERT INTO population VALUES (1)",
    "UPDATE population SET p = 0", "CREATE TABLE x AS SELECT 1", "ATTACH '/tmp/x.duckdb' AS x",
    "COPY population TO '/tmp/x.csv'", "SET enable_external_access = true", "PRAGMA database_list",
    "SELECT * FROM population; SELECT 1", "SELECT * INTO copie FROM population",
    "SELECT * FROM read_csv('/etc/passwd')", "SELECT read_text('/etc/passwd')", "SELECT getenv('HOME')",
    "SELECT * FROM glob('/*')", "SELECT * FROM duckdb_tables()", "SELECT * FROM information_schema.tables",
    "SELECT * FROM subventions", "SELECT * FROM ds0.main.data", "SELECT current_setting('threads')",
    "SELECT query('SELECT 1')", "SELECT * FROM sqlite_master", "LOAD httpfs", "pas du SQL du tout (",
])
def test_anything_else_is_refused(sql: str) -> None:
    with pytest.raises(SqlRejected):
        check_sql(sql, ALLOWED)


def test_the_connection_reads_no_file_and_cannot_be_reopened(demo: AnalysisService, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    datasets = demo.catalog.datasets()
    for sql in (f"SELECT * FROM read_csv('{secret}')", "SET enable_external_access = true",
                f"ATTACH '{tmp_path / 'x.duckdb'}' AS x"):
        with pytest.raises(QueryFailed):
            demo.warehouse.execute(datasets, sql)


def test_a_long_query_is_interrupted(tmp_path: Path) -> None:
    from tests.assistant.analysis.conftest import FALLBACK, open_service

    service = open_service(tmp_path, query_timeout_s=0.3)
    service.add(FALLBACK, public=True)
    with pytest.raises(QueryTimeout):
        service.warehouse.execute(service.catalog.datasets(), "SELECT count(*) FROM range(100000000000)")
    service.close()
