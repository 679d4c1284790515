"""Every query is checked before it runs, whether the composer wrote it from a plan or a model wrote it: one
read-only SELECT (sqlglot, DuckDB dialect), reading only catalogue tables the user may read, calling no
function that reaches files, settings or DuckDB's own catalogue. Rows and time are bounded when it runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

_MAX_SQL_CHARS = 20_000
_FORBIDDEN_NODES = tuple(getattr(exp, name) for name in (
    "Insert", "Update", "Delete", "Create", "Drop", "Alter", "Command", "Set", "Pragma", "Copy", "Use",
    "Transaction", "Commit", "Rollback", "Into", "Merge", "Attach", "Detach", "Install", "LoadData", "Export",
    "Describe", "Summarize", "Show", "Lock", "TruncateTable", "Analyze") if hasattr(exp, name))
_FORBIDDEN_FUNCTION_CLASSES = tuple(getattr(exp, name) for name in (
    "ReadCSV", "ReadParquet", "ReadJSON", "ReadText", "ReadBlob", "CurrentUser", "CurrentSchema") if hasattr(exp, name))
_FORBIDDEN_PREFIXES = ("read_", "duckdb_", "pragma_", "parquet_", "iceberg_", "delta_", "sqlite_", "postgres_",
                       "mysql_", "json_execute", "load", "install", "enable_", "disable_")
_FORBIDDEN_SUFFIXES = ("_scan", "_metadata", "_schema")
_FORBIDDEN_FUNCTIONS = frozenset({"glob", "getenv", "current_setting", "query", "query_table", "sniff_csv",
                                  "which_secret", "sql_auto_complete", "checkpoint", "force_checkpoint", "icu_sort_key",
                                  "set_variable", "getvariable", "current_database", "current_catalog", "version",
                                  "pg_typeof", "system", "shell", "http_get", "http_post"})
_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except)


class SqlRejected(ValueError):
    """The query may not run; the message says why, in French."""


@dataclass(frozen=True)
class CheckedSql:
    sql: str
    tables: list[str]  # catalogue tables read, sorted


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else ""


def _check_function(node: exp.Func) -> None:
    name = _function_name(node)
    if isinstance(node, _FORBIDDEN_FUNCTION_CLASSES) or name in _FORBIDDEN_FUNCTIONS or \
            name.startswith(_FORBIDDEN_PREFIXES) or name.endswith(_FORBIDDEN_SUFFIXES):
        raise SqlRejected(f"fonction interdite dans une requête d'analyse : {name or node.key}")


def _check_table(node: exp.Table, allowed: set[str], ctes: set[str]) -> str | None:
    if not isinstance(node.this, exp.Identifier):
        raise SqlRejected("seules les tables du catalogue peuvent être lues (pas de fonction de table)")
    if node.args.get("db") or node.args.get("catalog"):
        raise SqlRejected(f"table qualifiée interdite : {node.sql(dialect='duckdb')}")
    name = node.name.lower()
    if name in ctes:
        return None
    if name not in allowed:
        raise SqlRejected(f"table inconnue du catalogue, ou non accessible : {node.name}")
    return name


def check_sql(sql: str, allowed_tables: Iterable[str]) -> CheckedSql:
    """Raises SqlRejected. `allowed_tables`: the catalogue tables this user may read."""
    if len(sql) > _MAX_SQL_CHARS:
        raise SqlRejected(f"requête trop longue ({len(sql)} caractères, {_MAX_SQL_CHARS} au plus)")
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (ParseError, sqlglot.errors.TokenError) as exc:
        raise SqlRejected(f"requête SQL illisible : {str(exc).splitlines()[0][:200]}") from exc
    if len(statements) != 1:
        raise SqlRejected(f"une seule requête SELECT est permise ({len(statements)} reçues)")
    tree = statements[0]
    if not isinstance(tree, _ROOTS):
        raise SqlRejected(f"seule une lecture (SELECT) est permise, pas {tree.key.upper()}")
    allowed = {name.lower() for name in allowed_tables}
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    tables: set[str] = set()
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise SqlRejected(f"instruction interdite dans une requête d'analyse : {node.key.upper()}")
        if isinstance(node, exp.Func):
            _check_function(node)
        if isinstance(node, exp.Table):
            name = _check_table(node, allowed, ctes)
            if name is not None:
                tables.add(name)
    return CheckedSql(sql.strip().rstrip(";").strip(), sorted(tables))
