"""What migrations cost each new database, against `create_all` on the same models (the baseline).

Per SQLite database (the test suite and a first start create them): create_all (the baseline), upgrade
to head of an empty database (every revision), the start of an up-to-date one (one read of
alembic_version), and the adoption of a database of the release before migrations (with rows).

    .venv/bin/python bench/schema_migration.py [--databases 30]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.database import Database  # noqa: E402
from assistant.migrations.models import load_models  # noqa: E402
from tests.assistant.migrations import release  # noqa: E402


def _milliseconds(count: int, make: Callable[[int], None]) -> float:
    times = []
    for index in range(count):
        started = time.perf_counter()
        make(index)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", type=int, default=30)
    count = parser.parse_args().databases
    metadata = load_models()
    with tempfile.TemporaryDirectory() as scratch:
        def url(kind: str, index: int) -> str:
            return f"sqlite:///{Path(scratch) / f'{kind}{index}.db'}"

        def open_and(kind: str, index: int, action: Callable[[Database], None]) -> None:
            database = Database(url(kind, index))
            action(database)
            database.close()

        def adopt(index: int) -> None:
            release.create_release_database(url("release", index))
            started = time.perf_counter()
            open_and("release", index, Database.create_schema)
            adoption.append((time.perf_counter() - started) * 1000)

        open_and("warm", 0, Database.create_schema)  # imports and the revisions' scripts, once per process
        adoption: list[float] = []
        figures = {
            "create_all_ms": _milliseconds(count, lambda i: open_and(
                "all", i, lambda database: metadata.create_all(database.engine))),
            "upgrade_empty_ms": _milliseconds(count, lambda i: open_and("new", i, Database.create_schema)),
            "start_at_head_ms": _milliseconds(count, lambda i: open_and("new", i, Database.create_schema)),
        }
        for index in range(count):
            adopt(index)
        figures["adopt_release_ms"] = statistics.median(adoption)
    figures["upgrade_empty_vs_create_all"] = figures["upgrade_empty_ms"] / figures["create_all_ms"]
    figures["start_at_head_vs_create_all"] = figures["start_at_head_ms"] / figures["create_all_ms"]
    print(json.dumps({key: round(value, 2) for key, value in figures.items()}, indent=2))


if __name__ == "__main__":
    main()
