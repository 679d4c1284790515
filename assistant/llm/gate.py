"""Share one model between requests: a first-come first-served slot gate with a bounded queue.

Also runs a blocking `stream_chat` in a worker thread for asyncio consumers.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from assistant.llm.base import ChatMessage, ChatModel

_DEFAULT_HOLD_S = 10.0  # assumed length of one generation until one has been measured
_HOLD_SMOOTHING = 0.3


class QueueFull(RuntimeError):
    """Too many requests already wait for the model; try again after `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the language model is busy; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class GateStats:
    waiting: int
    active: int
    completed: int
    rejected: int
    tokens_generated: int
    last_tokens_per_s: float | None


class ModelGate:
    """At most `concurrency` slots held at once; at most `max_queue` tasks waiting, in arrival order.

    Lives on one event loop. A waiting task that is cancelled (client gone) leaves the queue, and a
    slot handed to a task cancelled at that very moment goes to the next one.
    """

    def __init__(self, *, concurrency: int = 1, max_queue: int = 8, expected_hold_s: float = _DEFAULT_HOLD_S) -> None:
        if concurrency < 1 or max_queue < 0:
            raise ValueError("concurrency must be >= 1 and max_queue >= 0")
        self.concurrency = concurrency
        self.max_queue = max_queue
        self._active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._completed = 0
        self._rejected = 0
        self._tokens = 0
        self._last_tokens_per_s: float | None = None
        self._mean_hold_s = expected_hold_s

    @property
    def stats(self) -> GateStats:
        return GateStats(
            waiting=len(self._waiters), active=self._active, completed=self._completed,
            rejected=self._rejected, tokens_generated=self._tokens, last_tokens_per_s=self._last_tokens_per_s)

    def retry_after_s(self) -> int:
        """Seconds until the queue should have room again, from the measured generation length."""
        rounds = (len(self._waiters) + 1) / self.concurrency
        return max(1, math.ceil(rounds * self._mean_hold_s))

    def check_room(self) -> None:
        """Raise QueueFull now if a task arriving now would be refused: lets a stream refuse before its 200."""
        if self._active >= self.concurrency and len(self._waiters) >= self.max_queue:
            raise QueueFull(self.retry_after_s())

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        started = time.monotonic()
        try:
            yield
        finally:
            held = time.monotonic() - started
            self._mean_hold_s += _HOLD_SMOOTHING * (held - self._mean_hold_s)
            self._completed += 1
            self._release()

    def record_generation(self, tokens: int, seconds: float) -> None:
        self._tokens += tokens
        if tokens > 0 and seconds > 0:
            self._last_tokens_per_s = tokens / seconds

    async def _acquire(self) -> None:
        if self._active < self.concurrency and not self._waiters:
            self._active += 1
            return
        if len(self._waiters) >= self.max_queue:
            self._rejected += 1
            raise QueueFull(self.retry_after_s())
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over as we were cancelled: pass it on
            elif waiter in self._waiters:  # `_release` may already have dropped it
                self._waiters.remove(waiter)
            raise

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # hand the slot over: `_active` stays the same
                return
        self._active -= 1


@dataclass(slots=True)
class _Failure:
    error: BaseException


_END = object()


async def stream_in_thread(
    model: ChatModel,
    messages: list[ChatMessage],
    *,
    max_tokens: int,
    temperature: float,
    stop: list[str] | None = None,
    cancel: threading.Event | None = None,
    gate: ModelGate | None = None,
) -> AsyncGenerator[str, None]:
    """Run `model.stream_chat` in a worker thread and yield its deltas on the event loop.

    When the consumer stops early (closes this generator, or its task is cancelled) `cancel` is set
    and the generation is awaited to its end, so the model is free once this generator is closed.
    Chunks are counted as tokens in `gate`'s counters. Consume it under `contextlib.aclosing` (or
    close it) when breaking out of the loop, so the stop does not wait for garbage collection.
    """
    cancel = cancel or threading.Event()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()

    def produce() -> None:
        try:
            for delta in model.stream_chat(
                    messages, max_tokens=max_tokens, temperature=temperature, stop=stop, cancel=cancel):
                loop.call_soon_threadsafe(queue.put_nowait, delta)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            loop.call_soon_threadsafe(queue.put_nowait, _Failure(exc))
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _END)

    worker = loop.run_in_executor(None, produce)
    tokens, first_at, ended = 0, 0.0, False
    try:
        while (item := await queue.get()) is not _END:
            if isinstance(item, _Failure):
                raise item.error
            if tokens == 0:
                first_at = time.monotonic()
            tokens += 1
            yield str(item)
        ended = True
    finally:
        if not ended:
            cancel.set()
        await _wait_for(worker)
        if gate is not None:
            gate.record_generation(tokens, time.monotonic() - first_at if tokens else 0.0)


async def _wait_for(worker: asyncio.Future[None]) -> None:
    """Wait for the worker thread even if our task is being cancelled, so the slot is really free."""
    try:
        await asyncio.shield(worker)
    except asyncio.CancelledError:
        await asyncio.wait([worker])
        raise
