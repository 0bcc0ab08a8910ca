"""Running a coroutine to completion from synchronous code."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, without ever formatting the coroutine's result.

    On the main thread, Python 3.11 and 3.12 format the ``repr`` of the main task, and so
    of its result, twice on the way out of :func:`asyncio.run` (python/cpython#112559).
    For a plan of 50,000 products that result is the whole live store: two 120 MB strings,
    a quarter of the plan's peak memory. Here the main task returns ``None`` and the
    value travels beside it.
    """
    results: list[T] = []

    async def main() -> None:
        results.append(await coroutine)

    asyncio.run(main())
    return results[0]
