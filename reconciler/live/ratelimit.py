"""Adaptive pacing from BigCommerce's ``X-Rate-Limit-*`` response headers.

BigCommerce gives each store a quota of requests per window (150 per 30 s on Standard
and Plus), shared by *every* app on the store, and reports on each response:

* ``X-Rate-Limit-Requests-Quota`` / ``X-Rate-Limit-Time-Window-Ms``: the quota and window;
* ``X-Rate-Limit-Requests-Left``: what is left in the current window;
* ``X-Rate-Limit-Time-Reset-Ms``: milliseconds until the window refills.

:class:`RateLimiter` keeps the latest picture per store and lets each request go only
when the quota allows it:

* The usable quota is what is left minus a small reserve (5 % of the quota, at least
  one request) left for the other apps on the store and for timing error.
* When the requests waiting to go (:attr:`RateLimiter.queued`) fit in the usable quota,
  they go at once: a small job is not slowed down. When they do not, requests are
  spread evenly over the time to reset: the next may start
  ``time_to_reset / (usable + 1)`` after the previous one, so a full window of ``U``
  usable requests goes out at one every ``window / U``; if other apps eat into the
  quota the gap grows, so the window is never overrun.
* With nothing usable left, requests wait until the reset, after which the full quota
  is assumed until a response says otherwise.
* Before the first answer, only one request is in flight (a probe), so a burst never
  starts blind. A store that sends no rate-limit headers is not paced.
* Requests in flight are counted: the estimate of what is left is the newest answer's
  ``Requests-Left`` minus the requests sent after that answer's request. Requests
  answered out of order only ever make the estimate more cautious.
* A 429 (:meth:`RateLimiter.throttle`) blocks every request until the store's stated
  reset, not just the one that was refused.
* Endpoints with their own concurrency cap (:mod:`reconciler.live.caps`) get one
  semaphore each (:meth:`RateLimiter.endpoint_gate`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from reconciler.live.caps import EndpointCap
from reconciler.live.clock import Clock

QUOTA = "x-rate-limit-requests-quota"
LEFT = "x-rate-limit-requests-left"
WINDOW_MS = "x-rate-limit-time-window-ms"
RESET_MS = "x-rate-limit-time-reset-ms"
RETRY_AFTER = "x-retry-after"


@dataclass(frozen=True)
class RateLimitHeaders:
    """The rate-limit headers of one response (``None`` where absent or malformed)."""

    quota: int | None
    left: int | None
    window: float | None
    """Seconds."""
    reset: float | None
    """Seconds until the window refills."""
    retry_after: float | None
    """Seconds (only sent with 429)."""

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateLimitHeaders:
        """Read the headers (names in any case) of one response."""
        lowered = {name.lower(): value for name, value in headers.items()}

        def number(name: str) -> float | None:
            raw = lowered.get(name)
            if raw is None:
                return None
            try:
                value = float(raw)
            except ValueError:
                return None
            return value if math.isfinite(value) and value >= 0 else None

        quota, left = number(QUOTA), number(LEFT)
        window, reset = number(WINDOW_MS), number(RESET_MS)
        return cls(
            quota=int(quota) if quota is not None else None,
            left=int(left) if left is not None else None,
            window=window / 1000 if window is not None else None,
            reset=reset / 1000 if reset is not None else None,
            retry_after=number(RETRY_AFTER),
        )

    @property
    def complete(self) -> bool:
        """All four quota headers are present, so pacing can use them."""
        return None not in (self.quota, self.left, self.window, self.reset)

    @property
    def quota_exhausted(self) -> bool:
        """A 429 came from the window's quota (not from a per-endpoint concurrency cap)."""
        return self.left is None or self.left == 0

    def throttle_wait(self) -> float | None:
        """How long a 429 asks us to wait: the longer of reset and retry-after.

        When quota is left, the 429 came from a per-endpoint concurrency cap
        (customers PUT: 3, tree GET: 1, ...): waiting for the window's reset would be
        pointless, so only ``X-Retry-After`` counts.
        """
        if not self.quota_exhausted:
            return self.retry_after
        waits = [w for w in (self.reset, self.retry_after) if w is not None]
        return max(waits) if waits else None


@dataclass(frozen=True)
class Ticket:
    """Handed out by :meth:`RateLimiter.acquire`; give it back to :meth:`RateLimiter.release`."""

    seq: int
    waited: float


class RateLimiter:
    """Paces the requests of one store; see the module docstring.

    One limiter per store: clients of the same store in one process may share one.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        reserve_fraction: float = 0.05,
        min_reserve: int = 1,
    ) -> None:
        if not 0 <= reserve_fraction < 1:
            raise ValueError("reserve_fraction must be in [0, 1)")
        self._clock = clock
        self._reserve_fraction = reserve_fraction
        self._min_reserve = min_reserve
        self._lock = asyncio.Lock()
        self._answered = asyncio.Event()
        self.quota: int | None = None
        self.window: float | None = None
        self._reported_left = 0
        self._reported_seq = 0
        self._reset_at = 0.0
        self._blocked_until = 0.0
        self._unpaced = False
        self._sent = 0
        self._inflight = 0
        self._last_send = -math.inf
        self.queued = 0
        """Requests announced by the client (:meth:`expect`) that have not gone yet."""
        self._gates: dict[str, asyncio.Semaphore] = {}

    # --- what the limiter believes -----------------------------------------------------
    @property
    def known(self) -> bool:
        return self.quota is not None

    @property
    def reserve(self) -> int:
        """Requests per window left unused for the store's other apps."""
        return 0 if self.quota is None else self.reserve_for(self.quota)

    def reserve_for(self, quota: int) -> int:
        """The reserve kept from a window of ``quota`` requests (at least one request
        is always usable)."""
        wanted = max(self._min_reserve, math.ceil(quota * self._reserve_fraction))
        return max(0, min(wanted, quota - 1))

    def left(self) -> int:
        """The estimated requests left in the current window (after a reset if passed)."""
        self._roll_window(self._clock.monotonic())
        return self._reported_left - (self._sent - self._reported_seq)

    def _margin(self) -> float:
        # Waiting a little past the reset absorbs the gap between the store's clock and
        # ours; the reset was measured when the answer arrived, so we already lag a bit.
        return min(0.25, 0.02 * (self.window or 0.0))

    def _roll_window(self, now: float) -> None:
        if self.quota is None or self.window is None:
            return
        if now >= self._reset_at + self._margin():
            windows = max(1, math.ceil((now - self._reset_at) / self.window)) if self.window else 1
            self._reset_at += windows * self.window
            self._reported_left = self.quota
            self._reported_seq = self._sent

    def delay(self, now: float) -> float:
        """Seconds the next request must still wait at time ``now`` (0: go)."""
        if now < self._blocked_until:
            return self._blocked_until - now
        if self.quota is None or self._unpaced:
            return 0.0
        self._roll_window(now)
        usable = self._reported_left - (self._sent - self._reported_seq) - self.reserve
        time_to_reset = max(0.0, self._reset_at - now)
        if usable <= 0:
            return time_to_reset + self._margin()
        if self.queued <= usable:
            return 0.0
        # The previous request took one slot of the span up to the reset; the usable
        # ones share the rest, so a fresh window is spent at an even W/U pace.
        interval = time_to_reset / (usable + 1)
        return max(0.0, self._last_send + interval - now)

    # --- the request cycle -------------------------------------------------------------
    def endpoint_gate(self, cap: EndpointCap | None) -> AbstractAsyncContextManager[Any]:
        """Hold this while a request to a capped endpoint is in flight (shared, like the
        quota, by every client of the store); a no-op for uncapped endpoints."""
        if cap is None:
            return contextlib.nullcontext()
        gate = self._gates.get(cap.key)
        if gate is None:
            gate = self._gates[cap.key] = asyncio.Semaphore(cap.limit)
        return gate

    def expect(self) -> None:
        """A request will ask to go soon (it may first wait for a connection slot)."""
        self.queued += 1

    def unexpect(self) -> None:
        """An expected request went (or was abandoned)."""
        self.queued -= 1

    async def acquire(self) -> Ticket:
        """Wait until the quota allows one more request; returns its ticket."""
        waited = 0.0
        async with self._lock:
            # Until a first answer tells the quota, keep a single request in flight.
            while self.quota is None and not self._unpaced and self._inflight > 0:
                self._answered.clear()
                started = self._clock.monotonic()
                await self._answered.wait()
                waited += self._clock.monotonic() - started
            while True:
                now = self._clock.monotonic()
                pause = self.delay(now)
                if pause <= 0:
                    break
                await self._clock.sleep(pause)
                waited += pause
            self._sent += 1
            self._inflight += 1
            self._last_send = self._clock.monotonic()
            return Ticket(self._sent, waited)

    def release(self, ticket: Ticket, headers: Mapping[str, str] | None) -> None:
        """The request of ``ticket`` ended; ``headers`` are its answer's (``None``: no answer)."""
        self._inflight -= 1
        if headers is not None:
            limits = RateLimitHeaders.parse(headers)
            if limits.complete:
                self.observe(ticket, limits)
            elif self.quota is None:
                self._unpaced = True
        self._answered.set()

    def observe(self, ticket: Ticket, limits: RateLimitHeaders) -> None:
        """Take in the rate-limit headers answered to the request of ``ticket``."""
        if not limits.complete:
            return
        assert limits.quota is not None and limits.left is not None
        assert limits.window is not None and limits.reset is not None
        now = self._clock.monotonic()
        reset_at = now + limits.reset
        tolerance = max(0.05, 0.25 * limits.window)
        first = self.quota is None
        self.quota, self.window, self._unpaced = limits.quota, limits.window, False
        if first or reset_at > self._reset_at + tolerance:
            # A newer window than the one we tracked.
            self._adopt(ticket.seq, limits.left, reset_at)
        elif reset_at >= self._reset_at - tolerance and ticket.seq >= self._reported_seq:
            # The same window, newer news.
            self._adopt(ticket.seq, limits.left, reset_at)
        # else: a straggler from an older window; what it says is already stale.

    def _adopt(self, seq: int, left: int, reset_at: float) -> None:
        self._reported_seq, self._reported_left, self._reset_at = seq, left, reset_at

    def throttle(self, wait: float) -> None:
        """The store answered 429 and asked to wait ``wait`` seconds: hold every request."""
        now = self._clock.monotonic()
        self._blocked_until = max(self._blocked_until, now + wait)
        if self.quota is not None:
            self._adopt(self._sent, 0, max(self._reset_at, now + wait))
