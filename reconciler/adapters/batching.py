"""Sending items in the largest batches an endpoint takes, and isolating the bad ones.

BigCommerce answers a batch with one invalid item with a 422 (or a 409 for a duplicate
value) for the whole batch, and its message does not say *which* item failed (DIGEST §4).
:func:`send_batches` therefore splits a refused batch in halves and sends each again until
the failing items stand alone, so every other item is still applied: ``k`` bad items in a
batch of ``n`` cost about ``2·k·log2(n)`` extra requests, nothing when all are good.

Only refusals about the *content* are bisected (:data:`BISECT_STATUSES`); an auth error,
an exhausted retry budget or a lost answer fails the whole batch at once, since sending
halves would fail the same way (or, for a lost POST, risk duplicates).

::

    outcome = await send_batches(changes, 10, lambda chunk: client.put(PATH, body(chunk)))
    for chunk, answer in outcome.succeeded: ...
    for change, error in outcome.failed: ...
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from reconciler.errors import LiveError

T = TypeVar("T")

BISECT_STATUSES = frozenset({409, 422})
"""Statuses that blame the batch's content: split it to find the culprit."""


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


@dataclass
class BatchOutcome(Generic[T]):
    """What happened to every item: the sub-batches that succeeded with the store's answer
    to each, and the items that failed alone (or with their whole batch) with the error."""

    succeeded: list[tuple[list[T], Any]] = field(default_factory=list)
    failed: list[tuple[T, LiveError]] = field(default_factory=list)


def status_of(error: LiveError) -> int:
    """The HTTP status of a failed request (0 when no answer came)."""
    return error.detail.status if error.detail is not None else 0


async def send_batches(
    items: Sequence[T],
    size: int,
    send: Callable[[list[T]], Awaitable[Any]],
    *,
    bisect: Callable[[LiveError], bool] | None = None,
    concurrency: int | None = None,
) -> BatchOutcome[T]:
    """Send ``items`` in batches of ``size`` through ``send`` (concurrently: the client's
    semaphore and rate limiter pace them), bisecting refused batches (module docstring).

    ``bisect`` decides which errors are worth splitting for (default: a status in
    :data:`BISECT_STATUSES`); ``concurrency`` caps the requests in flight for endpoints
    with their own cap (price-list record upserts: 2).
    """
    should_split = bisect or (lambda error: status_of(error) in BISECT_STATUSES)
    outcome: BatchOutcome[T] = BatchOutcome()
    gate = asyncio.Semaphore(concurrency) if concurrency else None

    async def call(batch: list[T]) -> Any:
        if gate is None:
            return await send(batch)
        async with gate:
            return await send(batch)

    async def attempt(batch: list[T]) -> None:
        try:
            answer = await call(batch)
        except LiveError as error:
            if len(batch) > 1 and should_split(error):
                middle = len(batch) // 2
                await asyncio.gather(attempt(batch[:middle]), attempt(batch[middle:]))
            else:
                outcome.failed.extend((item, error) for item in batch)
            return
        outcome.succeeded.append((batch, answer))

    await asyncio.gather(*(attempt(batch) for batch in chunked(items, size)))
    return outcome
