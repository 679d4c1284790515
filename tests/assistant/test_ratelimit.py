"""The per-user token bucket, with a fake clock."""

from __future__ import annotations

import pytest

from assistant.config import RateLimitSettings
from assistant.ratelimit import InMemoryBuckets, Rate, RateLimiter, RateLimitExceeded


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **values: object) -> RateLimiter:
    settings = RateLimitSettings.model_validate({"chat_per_minute": 6, "search_per_minute": 60, "burst": 3,
                                                 **values})
    return RateLimiter(settings, clock=clock)


def test_burst_then_the_per_minute_rate() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(3):
        limits.check("chat", "alice")
    with pytest.raises(RateLimitExceeded) as refused:
        limits.check("chat", "alice")
    assert refused.value.retry_after_s == pytest.approx(10.0)  # 6 per minute: one token every 10 s
    assert refused.value.retry_after_header == "10"
    assert "réessayez dans 10 s" in refused.value.message
    clock.now += 9.9
    with pytest.raises(RateLimitExceeded) as again:
        limits.check("chat", "alice")
    assert again.value.retry_after_header == "1"  # rounded up, never 0
    clock.now += 0.2
    limits.check("chat", "alice")


def test_users_and_kinds_have_their_own_buckets() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(3):
        limits.check("chat", "alice")
    with pytest.raises(RateLimitExceeded):
        limits.check("chat", "alice")
    limits.check("chat", "bob")
    limits.check("search", "alice")


def test_refill_never_exceeds_the_burst() -> None:
    clock = Clock()
    limits = limiter(clock)
    limits.check("chat", "alice")
    clock.now += 3600
    for _ in range(3):
        limits.check("chat", "alice")
    with pytest.raises(RateLimitExceeded):
        limits.check("chat", "alice")


def test_disabled_limits_let_everything_through() -> None:
    limits = limiter(Clock(), enabled=False)
    for _ in range(100):
        limits.check("chat", "alice")


def test_memory_stays_bounded_by_forgetting_refilled_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assistant.ratelimit._MAX_BUCKETS", 10)
    store, rate = InMemoryBuckets(), Rate(per_second=1.0, capacity=2)
    for number in range(10):
        store.take(f"user{number}", rate, now=0.0)
    store.take("late", rate, now=5.0)  # the others have refilled by now: forgotten
    assert set(store._buckets) == {"late"}


def test_downloads_have_their_own_validated_rate() -> None:
    clock = Clock()
    limits = limiter(clock, download_per_minute=2)
    for _ in range(3):
        limits.check("download", "alice")
    with pytest.raises(RateLimitExceeded) as refused:
        limits.check("download", "alice")
    assert refused.value.retry_after_s == pytest.approx(30.0)  # 2 per minute
    limits.check("search", "alice")
    with pytest.raises(ValueError, match="download_per_minute"):
        RateLimitSettings.model_validate({"download_per_minute": 0})
