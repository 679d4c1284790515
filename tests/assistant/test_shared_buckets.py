"""The rate-limit buckets in the relational store, on SQLite and a real PostgreSQL server: the same verdicts as
the in-process buckets, exact under concurrent takes (threads and separate processes), purged once full."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.config import RateLimitSettings
from assistant.database import Database
from assistant.ratelimit import InMemoryBuckets, Rate, RateLimiter, RateLimitExceeded, build_rate_limiter
from assistant.shared_buckets import DatabaseBuckets, RateBucketRow

ROOT = Path(__file__).resolve().parents[2]
# Practically no refill during a test: whatever the timing, exactly `capacity` takes are allowed.
FROZEN = Rate(per_second=1e-9, capacity=30)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


def rows(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(RateBucketRow)) or 0)


def test_same_verdicts_as_the_in_process_buckets(database: Database) -> None:
    shared, local = DatabaseBuckets(database), InMemoryBuckets()
    rate = Rate(per_second=0.5, capacity=3)
    draw = random.Random(7)
    now = 1_700_000_000.0
    for _ in range(300):
        now += draw.choice([0.0, 0.1, 0.4, 1.0, 2.5, 7.0])
        key = draw.choice(["chat:alice", "chat:bob", "search:alice"])
        assert shared.take(key, rate, now) == pytest.approx(local.take(key, rate, now), abs=1e-6), (key, now)


def test_a_clock_stepping_back_refills_nothing(database: Database) -> None:
    buckets, rate = DatabaseBuckets(database), Rate(per_second=1.0, capacity=1)
    assert buckets.take("chat:alice", rate, 1000.0) == 0
    assert buckets.take("chat:alice", rate, 990.0) == pytest.approx(1.0)  # another host's clock, 10 s late
    assert buckets.take("chat:alice", rate, 1001.0) == 0


def test_full_buckets_are_purged(database: Database) -> None:
    buckets, rate = DatabaseBuckets(database), Rate(per_second=1.0, capacity=2)
    for number in range(5):
        buckets.take(f"chat:user{number}", rate, 1000.0)  # each full again at 1001
    buckets.take("chat:late", rate, 1000.9)
    buckets.take("chat:late", rate, 1000.9)
    assert rows(database) == 6
    assert buckets.purge(1001.0) == 5
    assert rows(database) == 1
    assert buckets.take("chat:user0", rate, 1001.0) == 0  # a purged bucket is a full one


def test_threads_taking_at_once_get_exactly_the_capacity(database: Database) -> None:
    buckets = DatabaseBuckets(database)
    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: buckets.take("search:alice", FROZEN, 1000.0), range(100)))
    assert sum(1 for wait in waits if wait == 0) == FROZEN.capacity


TAKER = textwrap.dedent("""
    import sys
    from assistant.database import Database
    from assistant.ratelimit import Rate
    from assistant.shared_buckets import DatabaseBuckets
    buckets = DatabaseBuckets(Database(sys.argv[1]))
    sys.stdin.readline()  # start together
    print(sum(buckets.take("chat:alice", Rate(1e-9, 30), 1000.0) == 0 for _ in range(40)))
""")


def test_two_processes_taking_at_once_get_exactly_the_capacity(database: Database, database_url: str) -> None:
    DatabaseBuckets(database)  # the table, before the processes race to create it
    takers = [subprocess.Popen([sys.executable, "-c", TAKER, database_url], cwd=ROOT, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}) for _ in range(2)]
    outputs = [taker.communicate("go\n", timeout=120) for taker in takers]
    assert all(taker.returncode == 0 for taker in takers), [err for _, err in outputs]
    allowed = [int(out) for out, _ in outputs]
    assert sum(allowed) == FROZEN.capacity, allowed


def test_the_configured_store(database: Database) -> None:
    settings = RateLimitSettings.model_validate({"search_per_minute": 1, "burst": 2})
    shared = build_rate_limiter(settings, database)
    other_process = build_rate_limiter(settings, database)  # another worker: its own limiter, same database
    shared.check("search", "alice")
    other_process.check("search", "alice")
    with pytest.raises(RateLimitExceeded):
        shared.check("search", "alice")
    local = build_rate_limiter(settings.model_copy(update={"store": "memory"}), database)
    assert isinstance(local, RateLimiter)
    local.check("search", "alice")  # its own bucket


def test_an_unknown_store_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="store"):
        RateLimitSettings.model_validate({"store": "redis"})
