"""The client over a real socket: the sandbox served by uvicorn on loopback."""

from __future__ import annotations

import pytest

from reconciler.errors import TransportError, WriteOutcomeUnknownError
from reconciler.live import ClientOptions, LiveClient, RetryPolicy
from reconciler.live.failures import StoreContext
from reconciler.sandbox.stores import DEFAULT_TOKEN
from tests.live.conftest import Sandbox

pytestmark = pytest.mark.anyio


def _client(
    base_url: str, *, read_timeout: float = 60.0, retry: RetryPolicy | None = None
) -> LiveClient:
    return LiveClient(
        f"{base_url}/stores/teststore",
        DEFAULT_TOKEN,
        context=StoreContext("loopback", "teststore"),
        options=ClientOptions(seed=2, read_timeout=read_timeout, retry=retry or RetryPolicy()),
    )


async def test_requests_pages_and_rate_headers_over_http(
    served_sandbox: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = served_sandbox
    await sandbox.configure({"rate_limit": {"quota": 150, "window_ms": 30000}})
    async with _client(base_url) as live:
        for i in range(4):
            await live.post("/v3/catalog/brands", {"name": f"Loop {i}"})
        brands = await live.paginate_v3("/v3/catalog/brands", limit=3)
        assert [b["name"] for b in brands] == [f"Loop {i}" for i in range(4)]
        assert live.limiter.quota == 150 and live.limiter.left() == 150 - 6
    assert await sandbox.statuses() == [200] * 6


async def test_a_stalled_answer_times_out_and_is_reported(
    served_sandbox: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = served_sandbox
    await sandbox.configure({"faults": {"timeout_rate": 1.0, "stall_ms": 1500}})
    retry = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
    async with _client(base_url, read_timeout=0.3, retry=retry) as live:
        with pytest.raises(TransportError, match="ReadTimeout"):
            await live.get("/v2/time")
        with pytest.raises(WriteOutcomeUnknownError):
            await live.post("/v3/catalog/brands", {"name": "Stalled"})
        assert live.stats.requests == {"GET": 2, "POST": 1}
    await sandbox.configure({"faults": {"timeout_rate": 0.0}})
    async with _client(base_url) as live:
        # The store applied the POST whose answer was lost: a blind retry would duplicate it.
        assert len((await live.get("/v3/catalog/brands", {"name": "Stalled"}))["data"]) == 1


async def test_a_dropped_connection_is_retried_for_reads_only(
    served_sandbox: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = served_sandbox
    await sandbox.configure({"faults": {"drop_rate": 1.0}})
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
    async with _client(base_url, retry=retry) as live:
        with pytest.raises(TransportError) as read:
            await live.get("/v2/time")
        with pytest.raises(WriteOutcomeUnknownError):
            await live.post("/v3/catalog/brands", {"name": "Dropped"})
        assert live.stats.requests == {"GET": 3, "POST": 1}
    assert not isinstance(read.value, WriteOutcomeUnknownError)
