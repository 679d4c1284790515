"""Admission to a shared (remote) model across workers, in the relational store, on SQLite and a real
PostgreSQL server: the slots and the queue are the pool's, not a worker's; arrival order holds across
workers; a dead worker's lease expires; a request that leaves frees its place; separate processes never
run more generations at once than `concurrency`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from assistant.database import Database
from assistant.llm.gate import ModelGate, QueueFull
from assistant.llm.settings import LLMSettings
from assistant.llm.shared_gate import AdmissionTable, SharedModelGate, build_model_gate

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


def workers(database: Database, count: int, concurrency: int = 1, max_queue: int = 8) -> list[SharedModelGate]:
    """The gates of `count` workers: each its own table object and gate, one pool in one database."""
    return [SharedModelGate(AdmissionTable(database, "pool", concurrency, max_queue), poll_s=0.02)
            for _ in range(count)]


def run(test: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(test(), timeout=60))


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


def queued(gate: SharedModelGate) -> tuple[int, int]:
    """(active, waiting) in the pool, every worker's."""
    return gate._table.counts(time.time())


async def hold(gate: ModelGate, release: asyncio.Event, log: list[str], name: str) -> None:
    async with gate.slot():
        log.append(name)
        await release.wait()


def test_the_slot_and_the_queue_are_the_pools(database: Database) -> None:
    one, two = workers(database, 2, concurrency=1, max_queue=1)

    async def scenario() -> list[str]:
        release, log = asyncio.Event(), list[str]()
        first = asyncio.create_task(hold(one, release, log, "A"))
        await until(lambda: log == ["A"])
        two.check_room()  # the queue has room
        second = asyncio.create_task(hold(two, asyncio.Event(), log, "B"))
        await until(lambda: queued(one) == (1, 1))  # its row written (stats count it a moment before)
        with pytest.raises(QueueFull):
            one.check_room()  # one active, one waiting on the other worker: full
        with pytest.raises(QueueFull):
            async with one.slot():
                pass
        assert one.stats.rejected == 1
        release.set()
        await first
        await until(lambda: log == ["A", "B"])
        second.cancel()
        await asyncio.gather(second, return_exceptions=True)
        return log

    assert run(scenario) == ["A", "B"]
    assert queued(one) == (0, 0)


def test_arrival_order_holds_across_workers(database: Database) -> None:
    gates = workers(database, 2)

    async def scenario() -> list[str]:
        log: list[str] = []
        releases = {name: asyncio.Event() for name in "ABCD"}
        tasks = []
        for number, name in enumerate("ABCD"):
            tasks.append(asyncio.create_task(hold(gates[number % 2], releases[name], log, name)))
            await asyncio.sleep(0.1)  # arrival order
        for name in "ABCD":
            await until(lambda name=name: name in log)  # type: ignore[misc]
            releases[name].set()
        await asyncio.gather(*tasks)
        return log

    assert run(scenario) == ["A", "B", "C", "D"]


def test_the_lease_of_a_dead_worker_expires(database: Database) -> None:
    table = AdmissionTable(database, "pool", 1, 8)
    assert table.decide("crashed-worker", time.time(), lease_s=0.5) == "active"  # never renewed nor released
    [gate] = workers(database, 1)

    async def scenario() -> float:
        started = time.monotonic()
        async with gate.slot():
            return time.monotonic() - started

    assert 0.3 < run(scenario) < 10


def test_a_request_that_leaves_frees_its_place(database: Database) -> None:
    one, two = workers(database, 2, concurrency=1, max_queue=1)

    async def scenario() -> None:
        release, log = asyncio.Event(), list[str]()
        holder = asyncio.create_task(hold(one, release, log, "A"))
        await until(lambda: log == ["A"])
        waiter = asyncio.create_task(hold(two, asyncio.Event(), log, "B"))
        await until(lambda: queued(one) == (1, 1))  # its row written (stats count it a moment before)
        waiter.cancel()  # the client went away
        await asyncio.gather(waiter, return_exceptions=True)
        assert queued(one) == (1, 0)
        one.check_room()
        release.set()
        await holder

    run(scenario)
    assert queued(one) == (0, 0)


GENERATIONS = textwrap.dedent("""
    import asyncio, sys, time
    from assistant.database import Database
    from assistant.llm.shared_gate import AdmissionTable, SharedModelGate
    gate = SharedModelGate(AdmissionTable(Database(sys.argv[1]), "pool", 2, 50), poll_s=0.01)
    async def generate():
        async with gate.slot():
            start = time.time()
            await asyncio.sleep(0.05)
            print(start, time.time(), flush=True)
    async def main():
        await asyncio.gather(*(generate() for _ in range(6)))
    sys.stdin.readline()
    asyncio.run(main())
""")


def test_separate_processes_never_exceed_the_concurrency(database: Database, database_url: str) -> None:
    AdmissionTable(database, "pool", 2, 50)  # the schema and the pool, before the processes race
    processes = [subprocess.Popen([sys.executable, "-c", GENERATIONS, database_url], cwd=ROOT, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}) for _ in range(3)]
    outputs = [process.communicate("go\n", timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]
    spans = [tuple(map(float, line.split())) for out, _ in outputs for line in out.splitlines()]
    assert len(spans) == 18
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    assert peak == 2


def test_admission_is_shared_for_a_remote_model_only(database: Database) -> None:
    remote = LLMSettings(backend="openai-compatible", base_url="http://127.0.0.1:9/v1", remote_model="m")
    assert isinstance(build_model_gate(remote, database), SharedModelGate)
    local = build_model_gate(LLMSettings(), database)
    assert type(local) is ModelGate  # llama-cpp: each worker's own model
    assert isinstance(build_model_gate(LLMSettings(admission="shared"), database), SharedModelGate)
    assert type(build_model_gate(remote.model_copy(update={"admission": "process"}), database)) is ModelGate
    with pytest.raises(ValueError, match="admission"):
        LLMSettings.model_validate({"admission": "cluster"})
