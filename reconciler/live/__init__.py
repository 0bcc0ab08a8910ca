"""Talking to a BigCommerce store (or the embedded sandbox) with few requests and no 429 storms.

* :mod:`~reconciler.live.connect` — :func:`connect`: a client for a configured environment
* :mod:`~reconciler.live.client` — :class:`LiveClient`: requests, V3 and V2 pagination
* :mod:`~reconciler.live.ratelimit` — pacing from the ``X-Rate-Limit-*`` headers
* :mod:`~reconciler.live.retry` — which failures are retried, and the jittered backoff
* :mod:`~reconciler.live.failures` — error answers into :mod:`reconciler.errors`
* :mod:`~reconciler.live.stats` — counters and the progress callback
* :mod:`~reconciler.live.clock` — the injectable clock (tests drive a virtual one)
"""

from reconciler.live.client import ClientOptions, LiveClient, LiveResponse
from reconciler.live.connect import connect
from reconciler.live.ratelimit import RateLimiter
from reconciler.live.retry import RetryPolicy
from reconciler.live.stats import ClientStats, RequestEvent

__all__ = [
    "ClientOptions",
    "ClientStats",
    "LiveClient",
    "LiveResponse",
    "RateLimiter",
    "RequestEvent",
    "RetryPolicy",
    "connect",
]
