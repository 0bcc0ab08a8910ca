"""When and how long to wait before trying a request again.

Rules (BigCommerce's guidance, DIGEST §4, and HTTP method semantics):

* 429: every method is retried, since the store refused the request before acting on
  it. The client first sleeps the longer of ``X-Rate-Limit-Time-Reset-Ms`` and
  ``X-Retry-After`` and then a jittered backoff, so that concurrent clients woken by the
  same reset do not all fire at once.
* 500/502/503/504, timeouts and dropped connections: retried for idempotent methods
  (GET, HEAD, PUT, DELETE) only; a POST may have created something already.
* A failure that proves the request never reached the server (connection refused,
  connect timeout, no free connection in the pool) is retried for every method.

Backoff is "equal jitter": attempt ``n`` (1-based retry number) waits a uniformly random
time in ``[c/2, c]`` with ``c = min(max_delay, base_delay * 2**(n-1))``; the random
source is seeded per client so a test sees the same schedule every run. The retry
budget is bounded twice: at most ``max_attempts`` requests in all, and no retry is
started whose wait would end beyond ``max_total`` seconds after the first attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_MAX_EXPONENT = 60  # 2**60 seconds is far beyond any cap; avoids float overflow


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop; see the module docstring."""

    max_attempts: int = 6
    """Requests in all for one call, the first one included (1 = never retry)."""
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total: float = 120.0
    """Seconds from the first attempt beyond which no retry starts."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < self.base_delay or self.max_total < 0:
            raise ValueError("need 0 <= base_delay <= max_delay and max_total >= 0")

    def ceiling(self, retry: int) -> float:
        """The longest backoff before retry number ``retry`` (1-based)."""
        exponent = min(max(retry - 1, 0), _MAX_EXPONENT)
        return min(self.max_delay, self.base_delay * 2.0**exponent)

    def backoff(self, retry: int, rng: random.Random) -> float:
        """A jittered wait in ``[ceiling/2, ceiling]`` before retry number ``retry``."""
        ceiling = self.ceiling(retry)
        return ceiling / 2 + rng.random() * ceiling / 2

    def allows(self, retry: int, elapsed: float, wait: float) -> bool:
        """Whether retry number ``retry`` may start after waiting ``wait`` more seconds,
        ``elapsed`` seconds after the first attempt began."""
        return retry < self.max_attempts and elapsed + wait <= self.max_total

    def schedule(self, rng: random.Random) -> list[float]:
        """The backoff waits of a request that fails at once every time (no header waits)."""
        waits: list[float] = []
        elapsed = 0.0
        retry = 1
        while True:
            wait = self.backoff(retry, rng)
            if not self.allows(retry, elapsed, wait):
                return waits
            waits.append(wait)
            elapsed += wait
            retry += 1


def is_idempotent(method: str) -> bool:
    return method.upper() in IDEMPOTENT_METHODS
