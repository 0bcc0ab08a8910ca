"""Rate limiting as BigCommerce does it: a request quota per time window, per store.

Every answer from a store carries the quota's state in four headers (see
:meth:`WindowState.headers`); once the quota of the current window is used up, requests
are refused with 429, ``X-Retry-After`` (whole seconds) and BigCommerce's body until the
window resets. Refused requests do not count against the quota. Per-endpoint concurrency
caps (``Endpoint.concurrency``) refuse a request with 429 while that many are in flight.

Time comes from a :class:`Clock` so tests can drive it (:class:`ManualClock`) instead of
sleeping.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Monotonic time in seconds, and a way to wait."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class ManualClock:
    """Time that moves only when told: :meth:`advance`, or :meth:`sleep` (which also yields
    to other tasks once, so concurrent requests interleave as they would while waiting)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self._now += max(seconds, 0.0)
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Decision:
    """The outcome of asking the window for one request."""

    allowed: bool
    headers: dict[str, str]


class WindowState:
    """A fixed window of ``window_ms`` starting at the first request after the last reset."""

    def __init__(self, quota: int, window_ms: int) -> None:
        self.quota = quota
        self.window_ms = window_ms
        self._started: float | None = None
        self._used = 0

    def _roll(self, now: float) -> None:
        if self._started is None or (now - self._started) * 1000 >= self.window_ms:
            self._started = now
            self._used = 0

    def take(self, now: float) -> Decision:
        """Count one request if the quota allows it; the headers to answer with either way."""
        self._roll(now)
        allowed = self._used < self.quota
        if allowed:
            self._used += 1
        headers = self.headers(now)
        if not allowed:
            headers["X-Retry-After"] = str(max(1, math.ceil(self.reset_ms(now) / 1000)))
        return Decision(allowed, headers)

    def reset_ms(self, now: float) -> int:
        if self._started is None:
            return self.window_ms
        return max(0, math.ceil(self.window_ms - (now - self._started) * 1000))

    def headers(self, now: float) -> dict[str, str]:
        return {
            "X-Rate-Limit-Requests-Left": str(max(0, self.quota - self._used)),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(self.reset_ms(now)),
        }


class ConcurrencyGate:
    """In-flight requests per endpoint of one store, against each endpoint's cap."""

    def __init__(self) -> None:
        self._in_flight: dict[str, int] = {}

    def enter(self, key: str, cap: int | None) -> bool:
        """Count a request in, unless ``cap`` requests to ``key`` are already in flight."""
        current = self._in_flight.get(key, 0)
        if cap is not None and current >= cap:
            return False
        self._in_flight[key] = current + 1
        return True

    def leave(self, key: str) -> None:
        left = self._in_flight.get(key, 0) - 1
        if left > 0:
            self._in_flight[key] = left
        else:
            self._in_flight.pop(key, None)

    def in_flight(self, key: str) -> int:
        return self._in_flight.get(key, 0)
