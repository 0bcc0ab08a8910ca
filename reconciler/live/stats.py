"""What a client did on the wire, for benchmarks, summaries and progress display.

:class:`ClientStats` counts every request sent (each retry is a request), the retries,
the 429s and 5xx answers seen, the time spent waiting on the rate limiter and in retry
backoff, and the bytes moved. A :data:`ProgressCallback` receives one
:class:`RequestEvent` per attempt as it completes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestEvent:
    """One attempt of one request, reported to the progress callback when it ends.

    ``status`` is 0 when no HTTP answer came (timeout, dropped connection);
    ``will_retry`` tells whether the client is about to try again.
    """

    method: str
    path: str
    status: int
    attempt: int
    seconds: float
    will_retry: bool


ProgressCallback = Callable[[RequestEvent], None]
"""Called once per attempt, from the event loop; it must not block."""


@dataclass
class ClientStats:
    """Counters of one :class:`~reconciler.live.client.LiveClient` since it was made."""

    requests: Counter[str] = field(default_factory=Counter)
    """Requests sent, by HTTP method (every attempt counts)."""
    retries: int = 0
    throttled: int = 0
    """429 answers seen (each one was retried or ended in a RateLimitError)."""
    server_errors: int = 0
    """5xx answers seen."""
    transport_failures: int = 0
    """Attempts that got no HTTP answer."""
    limiter_wait: float = 0.0
    """Seconds requests spent waiting for the rate limiter to let them go."""
    backoff_wait: float = 0.0
    """Seconds spent sleeping before retries."""
    bytes_sent: int = 0
    bytes_received: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "requests": dict(sorted(self.requests.items())),
            "total_requests": self.total_requests,
            "retries": self.retries,
            "throttled": self.throttled,
            "server_errors": self.server_errors,
            "transport_failures": self.transport_failures,
            "limiter_wait_s": round(self.limiter_wait, 3),
            "backoff_wait_s": round(self.backoff_wait, 3),
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
        }
