"""Cost of one rate-limit check: the shared store (relational database) against the in-process buckets.

Each check is one `take` on a user's bucket, as one request to /api/search or /api/chat makes. Measured
one thread at a time (a request's added latency) and with several threads at once (the write lock of
SQLite, the row locks of PostgreSQL); reported as microseconds per check and as the ratio to in-process.
With PostgreSQL (Debian's `postgresql` package, tests/support/postgres.py), a throwaway server is started.

    .venv/bin/python bench/rate_limit_store.py [--checks 2000] [--threads 4] [--no-postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.database import Database  # noqa: E402
from assistant.ratelimit import BucketStore, InMemoryBuckets, Rate  # noqa: E402
from assistant.shared_buckets import DatabaseBuckets  # noqa: E402

RATE = Rate(per_second=1.0, capacity=10)  # the default burst; the verdict does not change the cost
USERS = 200


def per_check_us(store: BucketStore, checks: int, threads: int) -> float:
    def run(offset: int) -> None:
        for number in range(checks // threads):
            store.take(f"search:user{(offset + number) % USERS}", RATE, time.time())

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, range(threads)))
    return (time.perf_counter() - started) / (checks // threads * threads) * 1e6


def measure(name: str, make: Callable[[], BucketStore], checks: int, threads: int) -> dict[str, float]:
    store = make()
    per_check_us(store, 200, 1)  # warm up: connections, schema, statement cache
    single = statistics.median(per_check_us(store, checks, 1) for _ in range(3))
    parallel = statistics.median(per_check_us(store, checks, threads) for _ in range(3))
    return {"name": name, "single_us": single, "parallel_us": parallel}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rate-bench-")))
        stores: list[tuple[str, Callable[[], BucketStore]]] = [
            ("in-process", InMemoryBuckets),
            ("sqlite (file, WAL)", lambda: DatabaseBuckets(stack.enter_context(closing(
                Database(f"sqlite:///{folder / 'assistant.db'}"))))),
        ]
        if not args.no_postgres:
            from tests.support.postgres import PostgresUnavailable, start_postgres

            try:
                cluster = stack.enter_context(start_postgres())
                url = cluster.create_database()
                stores.append(("postgresql (loopback)",
                               lambda: DatabaseBuckets(stack.enter_context(closing(Database(url))))))
            except PostgresUnavailable as exc:
                print(f"postgresql skipped: {exc}")
        results = [measure(name, make, args.checks, args.threads) for name, make in stores]
    base = results[0]
    print(f"{'store':24} {'1 thread µs':>12} {'ratio':>7} {f'{args.threads} threads µs':>14} {'ratio':>7}")
    for row in results:
        print(f"{row['name']:24} {row['single_us']:12.1f} {row['single_us'] / base['single_us']:7.0f} "
              f"{row['parallel_us']:14.1f} {row['parallel_us'] / base['parallel_us']:7.0f}")


if __name__ == "__main__":
    main()
