"""The rate limiter in virtual time against a fixed-window quota like BigCommerce's.

The window model below is BigCommerce's public contract (DIGEST §4): a quota of
requests per window, reported on every answer. The limiter must never let a request
exceed it, and should not leave much of it unused.
"""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.live import RateLimiter
from reconciler.live.ratelimit import RateLimitHeaders
from tests.live.conftest import VirtualClock


class FixedWindowQuota:
    """``quota`` requests per ``window`` seconds; a window opens at the first request
    after the previous one ended (``aligned``: windows follow each other back to back)."""

    def __init__(self, quota: int, window: float, *, aligned: bool) -> None:
        self.quota, self.window, self.aligned = quota, window, aligned
        self.start: float | None = None
        self.used = 0
        self.rejected = 0
        self.accepted = 0

    def hit(self, now: float) -> dict[str, str]:
        if self.start is None:
            self.start = now
        elif now >= self.start + self.window:
            if self.aligned:
                self.start += math.floor((now - self.start) / self.window) * self.window
            else:
                self.start = now
            self.used = 0
        if self.used >= self.quota:
            self.rejected += 1
        else:
            self.used += 1
            self.accepted += 1
        return {
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(self.quota - self.used),
            "X-Rate-Limit-Time-Window-Ms": str(int(self.window * 1000)),
            "X-Rate-Limit-Time-Reset-Ms": str(int((self.start + self.window - now) * 1000)),
        }


async def _run(
    quota: int, window: float, count: int, latency: float, aligned: bool, backlog: bool
) -> tuple[FixedWindowQuota, float]:
    """``count`` requests one after another; with ``backlog`` all are announced up front
    (the limiter spreads them), else each just before it goes (it may send at once)."""
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    server = FixedWindowQuota(quota, window, aligned=aligned)
    started = clock.time
    for _ in range(count if backlog else 0):
        limiter.expect()
    for _ in range(count):
        if not backlog:
            limiter.expect()
        ticket = await limiter.acquire()
        limiter.unexpect()
        clock.time += latency / 2
        headers = server.hit(clock.time)
        clock.time += latency / 2
        limiter.release(ticket, headers)
    return server, clock.time - started


@settings(max_examples=60, deadline=None)
@given(
    quota=st.integers(2, 60),
    window=st.sampled_from([1.0, 3.0, 30.0]),
    count=st.integers(1, 200),
    latency_share=st.floats(0.0, 0.05),
    aligned=st.booleans(),
    backlog=st.booleans(),
)
def test_never_exceeds_the_quota_and_uses_most_of_it(
    quota: int, window: float, count: int, latency_share: float, aligned: bool, backlog: bool
) -> None:
    server, took = asyncio.run(
        _run(quota, window, count, latency_share * window, aligned, backlog)
    )
    assert server.rejected == 0
    assert server.accepted == count
    usable = quota - max(1, math.ceil(quota * 0.1))
    # Within a window and a bit per `usable` requests: pacing costs little throughput.
    assert took <= (count / usable + 1) * window * 1.1 + count * latency_share * window


def test_headers_are_parsed_and_junk_is_ignored() -> None:
    limits = RateLimitHeaders.parse(
        {
            "x-rate-limit-requests-quota": "150",
            "x-rate-limit-requests-left": "149",
            "x-rate-limit-time-window-ms": "30000",
            "x-rate-limit-time-reset-ms": "29500",
            "x-retry-after": "nonsense",
        }
    )
    assert (limits.quota, limits.left, limits.window, limits.reset) == (150, 149, 30.0, 29.5)
    assert limits.complete and limits.retry_after is None
    assert RateLimitHeaders.parse(
        {"x-rate-limit-requests-left": "0", "x-rate-limit-time-reset-ms": "29500"}
    ).throttle_wait() == 29.5
    assert RateLimitHeaders.parse({"x-rate-limit-requests-left": "-3"}).left is None




@pytest.mark.anyio
async def test_only_one_request_in_flight_until_the_quota_is_known() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    first = await limiter.acquire()
    second = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not second.done()
    limiter.release(first, FixedWindowQuota(10, 1.0, aligned=True).hit(clock.time))
    await asyncio.wait_for(second, 1)
    third = await limiter.acquire()  # now known: no probe wait
    assert third.seq == 3


@pytest.mark.anyio
async def test_a_backlog_is_spread_and_a_small_job_is_not() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    server = FixedWindowQuota(150, 30.0, aligned=True)
    ticket = await limiter.acquire()
    limiter.release(ticket, server.hit(clock.time))
    for _ in range(10):  # fits in what is left: no waiting
        limiter.expect()
        limiter.release(await limiter.acquire(), server.hit(clock.time))
        limiter.unexpect()
    assert clock.sleeps == []
    for _ in range(500):
        limiter.expect()
    for _ in range(10):  # far more than is left: one every ~window / usable
        limiter.release(await limiter.acquire(), server.hit(clock.time))
        limiter.unexpect()
    assert len(clock.sleeps) >= 9
    assert all(0.1 < pause < 0.3 for pause in clock.sleeps)  # 30 s / (139 - 15 + 1)


@pytest.mark.anyio
async def test_a_store_without_rate_limit_headers_is_not_paced() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    ticket = await limiter.acquire()
    limiter.release(ticket, {"content-type": "application/json"})
    tickets = [await limiter.acquire() for _ in range(50)]
    assert clock.sleeps == [] and len(tickets) == 50


@pytest.mark.anyio
async def test_a_429_holds_every_request_until_the_reset() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(clock)
    ticket = await limiter.acquire()
    limiter.release(ticket, FixedWindowQuota(150, 30.0, aligned=True).hit(clock.time))
    limiter.throttle(12.5)
    start = clock.time
    await limiter.acquire()
    assert clock.time - start >= 12.5


def test_a_concurrency_cap_429_waits_only_the_retry_after() -> None:
    capped = RateLimitHeaders.parse(
        {
            "X-Rate-Limit-Requests-Quota": "150",
            "X-Rate-Limit-Requests-Left": "97",
            "X-Rate-Limit-Time-Window-Ms": "30000",
            "X-Rate-Limit-Time-Reset-Ms": "21000",
            "X-Retry-After": "1",
        }
    )
    assert not capped.quota_exhausted and capped.throttle_wait() == 1.0
    spent = RateLimitHeaders.parse(
        {"X-Rate-Limit-Requests-Left": "0", "X-Rate-Limit-Time-Reset-Ms": "21000",
         "X-Retry-After": "22"}
    )
    assert spent.quota_exhausted and spent.throttle_wait() == 22.0
