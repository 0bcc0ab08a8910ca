"""Time as the live client sees it: a monotonic clock and an awaitable sleep.

The client, its rate limiter and its retry loop take a :class:`Clock` so that tests can
drive them with a virtual clock (sleeping advances time at once) instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Where the client reads the time and how it waits."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (zero or negative: just yield to other tasks)."""
        ...


class SystemClock:
    """The real clock: :func:`time.monotonic` and :func:`asyncio.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
