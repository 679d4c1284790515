import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from assistant.llm.base import ChatMessage, LLMUnavailable, StreamEvent
from assistant.llm.fake import FakeChatModel
from assistant.llm.gate import ModelGate, QueueFull, stream_in_thread

T = TypeVar("T")
QUESTION = [ChatMessage("user", "Bonjour")]


def run(test: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(test(), timeout=10))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def hold(gate: ModelGate, release: asyncio.Event, log: list[str], name: str) -> None:
    async with gate.slot():
        log.append(name)
        await release.wait()


def test_waiters_get_the_slot_in_arrival_order() -> None:
    async def scenario() -> list[str]:
        gate, release, log = ModelGate(max_queue=8), asyncio.Event(), list[str]()
        tasks = []
        for name in "ABCD":
            tasks.append(asyncio.create_task(hold(gate, release, log, name)))
            await settle()
        assert gate.stats.waiting == 3 and gate.stats.active == 1
        release.set()
        await asyncio.gather(*tasks)
        assert (gate.stats.active, gate.stats.waiting, gate.stats.completed) == (0, 0, 4)
        return log

    assert run(scenario) == ["A", "B", "C", "D"]


def test_a_full_queue_refuses_at_once_with_a_retry_delay() -> None:
    async def scenario() -> None:
        gate, release, log = ModelGate(concurrency=1, max_queue=2), asyncio.Event(), list[str]()
        tasks = [asyncio.create_task(hold(gate, release, log, name)) for name in "ABC"]
        await settle()
        with pytest.raises(QueueFull) as refused:
            async with gate.slot():
                pass
        assert refused.value.retry_after_s >= 1
        assert gate.stats.rejected == 1 and gate.stats.waiting == 2
        release.set()
        await asyncio.gather(*tasks)

    run(scenario)


def test_no_queue_at_all_still_serves_a_free_slot() -> None:
    async def scenario() -> None:
        gate = ModelGate(concurrency=2, max_queue=0)
        async with gate.slot(), gate.slot():
            assert gate.stats.active == 2
            with pytest.raises(QueueFull):
                async with gate.slot():
                    pass

    run(scenario)


def test_a_cancelled_waiter_leaves_the_queue() -> None:
    async def scenario() -> list[str]:
        gate, release, log = ModelGate(), asyncio.Event(), list[str]()
        holder = asyncio.create_task(hold(gate, release, log, "A"))
        await settle()
        leaver = asyncio.create_task(hold(gate, release, log, "B"))
        await settle()
        leaver.cancel()
        await settle()
        assert gate.stats.waiting == 0
        release.set()
        await holder
        await hold(gate, release, log, "C")
        return log

    assert run(scenario) == ["A", "C"]


def test_a_cancelled_holder_frees_the_slot() -> None:
    async def scenario() -> None:
        gate, never, log = ModelGate(), asyncio.Event(), list[str]()
        holder = asyncio.create_task(hold(gate, never, log, "A"))
        await settle()
        holder.cancel()
        await settle()
        assert gate.stats.active == 0
        async with gate.slot():
            assert gate.stats.active == 1

    run(scenario)


def test_a_slot_handed_to_a_task_cancelled_at_that_moment_goes_to_the_next() -> None:
    async def scenario() -> list[str]:
        gate, release, log = ModelGate(), asyncio.Event(), list[str]()
        tasks: dict[str, asyncio.Task[None]] = {}

        async def first() -> None:
            await hold(gate, release, log, "A")
            tasks["B"].cancel()  # B has just been handed the slot but has not resumed yet

        tasks["A"] = asyncio.create_task(first())
        await settle()
        for name in "BC":
            tasks[name] = asyncio.create_task(hold(gate, release, log, name))
            await settle()
        release.set()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        assert gate.stats.active == 0 and gate.stats.waiting == 0
        return log

    assert run(scenario) == ["A", "C"]


def test_stream_in_thread_yields_the_deltas_and_counts_tokens() -> None:
    async def scenario() -> list[str]:
        gate = ModelGate()
        model = FakeChatModel(["un deux trois"])
        async with gate.slot():
            deltas = [delta async for delta in stream_in_thread(
                model, QUESTION, max_tokens=10, temperature=0, gate=gate)]
        assert gate.stats.tokens_generated == 3
        return deltas

    assert run(scenario) == ["un", " deux", " trois"]


class CountingModel(FakeChatModel):
    """Records how many deltas the model produced and whether its stream ran to the end."""

    def __init__(self, words: int) -> None:
        super().__init__([" ".join(["mot"] * words)], delay_s=0.005)
        self.produced = 0
        self.finished = threading.Event()

    def stream_events(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None,
        cancel: threading.Event | None,
    ) -> Iterator[StreamEvent]:
        try:
            for event in super().stream_events(
                    messages, max_tokens=max_tokens, temperature=temperature, stop=stop, cancel=cancel):
                self.produced += bool(event.text)
                yield event
        finally:
            self.finished.set()


def test_a_consumer_that_stops_early_sets_cancel_and_stops_the_model() -> None:
    async def scenario() -> None:
        model, cancel = CountingModel(words=2000), threading.Event()
        deltas = stream_in_thread(model, QUESTION, max_tokens=5000, temperature=0, cancel=cancel)
        received = [await anext(deltas) for _ in range(3)]
        await deltas.aclose()
        assert received == ["mot"] + [" mot"] * 2
        assert cancel.is_set()
        assert model.finished.is_set()  # aclose() waited for the worker thread
        assert model.produced < 2000

    run(scenario)


def test_a_cancelled_consumer_task_stops_the_generation() -> None:
    async def scenario() -> None:
        model, cancel, gate = CountingModel(words=2000), threading.Event(), ModelGate()

        async def consume() -> None:
            async with gate.slot():
                deltas = stream_in_thread(model, QUESTION, max_tokens=5000, temperature=0, cancel=cancel)
                async for _ in deltas:
                    pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cancel.is_set() and model.finished.is_set()
        assert time.monotonic() - started < 1
        assert gate.stats.active == 0

    run(scenario)


def test_stream_in_thread_reraises_model_errors() -> None:
    async def scenario() -> None:
        model = FakeChatModel([LLMUnavailable("model file not found: /srv/x.gguf")])
        with pytest.raises(LLMUnavailable, match=r"/srv/x\.gguf"):
            async for _ in stream_in_thread(model, QUESTION, max_tokens=5, temperature=0):
                pass

    run(scenario)


def test_retry_after_grows_with_the_queue() -> None:
    async def scenario() -> tuple[int, int]:
        gate, release, log = ModelGate(max_queue=8), asyncio.Event(), list[str]()
        holder = asyncio.create_task(hold(gate, release, log, "A"))
        await settle()
        alone = gate.retry_after_s()
        waiters = [asyncio.create_task(hold(gate, release, log, name)) for name in "BC"]
        await settle()
        behind_two = gate.retry_after_s()
        release.set()
        await asyncio.gather(holder, *waiters)
        return alone, behind_two

    alone, behind_two = run(scenario)
    assert 1 <= alone < behind_two


def test_check_room_refuses_only_when_a_newcomer_would_be_refused() -> None:
    async def scenario() -> None:
        gate = ModelGate(concurrency=1, max_queue=0, expected_hold_s=2.0)
        gate.check_room()  # free
        async with gate.slot():
            with pytest.raises(QueueFull) as refused:
                gate.check_room()
            assert refused.value.retry_after_s == 2  # from the expected hold until one is measured
        gate.check_room()

    asyncio.run(scenario())
