"""Property: whatever the quota, window and concurrency, a burst meets no 429 on the wire.

Each example runs the real sandbox (its rate-limit window) and the client on one virtual
clock, so windows pass without waiting.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.live import ClientOptions
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from tests.live.conftest import Sandbox, VirtualClock


async def _burst(quota: int, window_ms: int, count: int, concurrency: int, paths: int) -> tuple[
    list[int], float
]:
    with tempfile.TemporaryDirectory() as tmp:
        clock = VirtualClock()
        app = SandboxApp(SandboxDB(Path(tmp) / "p.db"), clock=clock)
        try:
            sandbox = Sandbox(app, clock)
            await sandbox.configure({"rate_limit": {"quota": quota, "window_ms": window_ms}})
            start = clock.time
            urls = ["/v2/time", "/v2/store", "/v3/catalog/brands"][:paths]
            async with sandbox.client(options=ClientOptions(seed=4, concurrency=concurrency)) as c:
                await asyncio.gather(*(c.get(urls[i % paths]) for i in range(count)))
            return await sandbox.statuses(), clock.time - start
        finally:
            app.db.close()


@settings(max_examples=15, deadline=None)
@given(
    quota=st.integers(2, 40),
    window_ms=st.sampled_from([500, 1000, 3000, 30000]),
    count=st.integers(1, 80),
    concurrency=st.integers(1, 8),
    paths=st.integers(1, 3),
)
def test_no_429_for_any_quota(
    quota: int, window_ms: int, count: int, concurrency: int, paths: int
) -> None:
    statuses, took = asyncio.run(_burst(quota, window_ms, count, concurrency, paths))
    assert statuses == [200] * count
    usable = max(1, quota - max(1, -(-quota // 10)))
    assert took <= (count / usable + 1) * window_ms / 1000 * 1.2
