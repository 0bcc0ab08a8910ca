"""reconciler.running: a coroutine's result comes back untouched, never formatted."""

from __future__ import annotations

import pytest

from reconciler import running


class CountsRepr:
    """Stands for a huge result (a whole live store) whose repr must never be made
    (asyncio swallows errors raised by a result's repr, so calls are counted)."""

    def __init__(self) -> None:
        self.formatted = 0

    def __repr__(self) -> str:
        self.formatted += 1
        return "<huge>"


def test_run_returns_the_result_without_formatting_it() -> None:
    value = CountsRepr()

    async def main() -> CountsRepr:
        return value

    assert running.run(main()) is value
    assert value.formatted == 0


def test_run_raises_what_the_coroutine_raises() -> None:
    async def main() -> None:
        raise LookupError("from the coroutine")

    with pytest.raises(LookupError, match="from the coroutine"):
        running.run(main())
