"""Per-user rate limits on the expensive endpoints: a token bucket per (user, kind of request).

Behind the `BucketStore` protocol: `InMemoryBuckets` (this process only) or, by default, the relational
store's `assistant.shared_buckets.DatabaseBuckets`, shared by every worker and host using the same database,
so that a user's limit is the same whichever process answers (`rate_limits.store`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from assistant.config import RateLimitSettings
from assistant.database import Database

Kind = Literal["chat", "search", "download"]
_MAX_BUCKETS = 10_000


class RateLimitExceeded(Exception):
    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"rate limit exceeded, retry in {retry_after_s:.1f} s")
        self.retry_after_s = retry_after_s

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after_s)))

    @property
    def message(self) -> str:
        return f"Trop de demandes en peu de temps : réessayez dans {self.retry_after_header} s."


@dataclass(frozen=True)
class Rate:
    per_second: float
    capacity: float


class BucketStore(Protocol):
    def take(self, key: str, rate: Rate, now: float) -> float:
        """Take one token; return 0 when allowed, else the seconds until a token is available."""
        ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class InMemoryBuckets:
    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: Rate, now: float) -> float:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._forget_full_buckets(now, rate)
                bucket = self._buckets[key] = _Bucket(rate.capacity, now)
            elapsed = max(0.0, now - bucket.updated)  # a clock stepping back refills nothing
            bucket.tokens = min(rate.capacity, bucket.tokens + elapsed * rate.per_second)
            bucket.updated = max(now, bucket.updated)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / rate.per_second

    def _forget_full_buckets(self, now: float, rate: Rate) -> None:
        """Bound memory: a bucket that has refilled is the same as no bucket."""
        if len(self._buckets) < _MAX_BUCKETS:
            return
        refill_s = rate.capacity / rate.per_second
        for key in [key for key, bucket in self._buckets.items() if now - bucket.updated >= refill_s]:
            del self._buckets[key]


class RateLimiter:
    def __init__(
        self, settings: RateLimitSettings, store: BucketStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._store = store or InMemoryBuckets()
        self._clock = clock
        self._rates: dict[Kind, Rate] = {
            "chat": Rate(settings.chat_per_minute / 60, settings.burst),
            "search": Rate(settings.search_per_minute / 60, settings.burst),
            "download": Rate(settings.download_per_minute / 60, settings.burst),
        }

    def check(self, kind: Kind, username: str) -> None:
        """Count one request of `username`; raise `RateLimitExceeded` when over the limit."""
        if not self._settings.enabled:
            return
        wait = self._store.take(f"{kind}:{username}", self._rates[kind], self._clock())
        if wait > 0:
            raise RateLimitExceeded(wait)


def build_rate_limiter(settings: RateLimitSettings, database: Database) -> RateLimiter:
    """The limiter with the configured store: the database's (shared by every process), or this process's."""
    if settings.store == "memory" or not settings.enabled:
        return RateLimiter(settings, InMemoryBuckets())
    from assistant.shared_buckets import DatabaseBuckets  # imports this module

    return RateLimiter(settings, DatabaseBuckets(database))
