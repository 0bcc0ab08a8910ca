"""The circuit breaker: a store that stops answering stops being asked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import FencedError, StoreUnreachableError
from reconciler.live import ClientOptions, RetryPolicy
from reconciler.live.breaker import CircuitBreaker
from tests.live.conftest import Sandbox, VirtualClock


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 60)), max_size=60))
def test_the_breaker_opens_exactly_after_a_streak_of_unanswered_attempts(
    attempts: list[tuple[bool, float]],
) -> None:
    clock = VirtualClock()
    breaker = CircuitBreaker(clock, threshold=4, window=10.0)
    streak, last, opened = 0, None, False
    for answered, gap in attempts:
        clock.time += gap
        breaker.record(answered)
        if opened:
            continue
        if answered:
            streak, last = 0, None
        else:
            streak = 1 if last is not None and clock.time - last > 10.0 else streak + 1
            last = clock.time
            opened = streak >= 4
        assert breaker.open == opened


@pytest.mark.anyio
async def test_a_partitioned_store_fails_fast_instead_of_retrying_every_request(
    sandbox: Sandbox,
) -> None:
    """Every connection drops: after a streak of unanswered attempts the client sends
    nothing more, and every later call fails at once as unreachable."""
    await sandbox.configure({"faults": {"drop_rate": 1.0}})
    options = ClientOptions(seed=1, retry=RetryPolicy(max_attempts=50, max_total=600))
    async with sandbox.client(options=options) as live:
        with pytest.raises(StoreUnreachableError, match="the store stopped answering"):
            await live.get("/v2/time")
        assert live.breaker.open
        with pytest.raises(StoreUnreachableError):
            await live.put("/v3/catalog/brands/1", {"name": "x"})
    assert len(await sandbox.requests()) == live.breaker.threshold


@pytest.mark.anyio
async def test_a_fenced_client_sends_no_write_but_still_reads(sandbox: Sandbox) -> None:
    await sandbox.create_store()
    async with sandbox.client() as live:
        live.write_fence = lambda: "lock lost: taken over"
        assert "time" in await live.get("/v2/time")
        with pytest.raises(FencedError, match="was not sent: lock lost: taken over"):
            await live.post("/v3/catalog/brands", {"name": "Never"})
    assert [e["method"] for e in await sandbox.requests()] == ["GET"]
