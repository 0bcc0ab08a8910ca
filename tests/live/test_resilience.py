"""Retries, timeouts, dropped connections and 429s, injected by the sandbox.

The sandbox and the client share a virtual clock (see ``conftest.VirtualClock``), so
backoff and quota waits cost no real time; request counts come from the sandbox's log.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from reconciler.errors import ApiError, RateLimitError, TransportError, WriteOutcomeUnknownError
from reconciler.live import ClientOptions, RequestEvent, RetryPolicy
from reconciler.sandbox.stores import DEFAULT_TOKEN
from reconciler.sandbox.transport import SANDBOX_BASE_URL
from tests.live.conftest import Sandbox

pytestmark = pytest.mark.anyio


async def test_a_get_is_retried_through_5xx(sandbox: Sandbox) -> None:
    await sandbox.script_failure({"status": 503, "method": "GET", "path": "/v2/time", "count": 2})
    events: list[RequestEvent] = []
    async with sandbox.client(progress=events.append) as live:
        assert "time" in await live.get("/v2/time")
        assert live.stats.retries == 2 and live.stats.server_errors == 2
    assert await sandbox.statuses() == [503, 503, 200]
    assert [(e.status, e.will_retry) for e in events] == [(503, True), (503, True), (200, False)]
    assert sandbox.clock is not None
    policy = RetryPolicy()
    assert len(sandbox.clock.sleeps) == 2
    for retry, wait in enumerate(sandbox.clock.sleeps, start=1):
        assert policy.ceiling(retry) / 2 <= wait <= policy.ceiling(retry)


async def test_a_post_is_not_retried_after_a_5xx(sandbox: Sandbox) -> None:
    await sandbox.script_failure({"status": 502, "method": "POST", "count": 1})
    async with sandbox.client() as live:
        with pytest.raises(ApiError) as caught:
            await live.post("/v3/catalog/brands", {"name": "Once"})
        assert live.stats.retries == 0
    assert caught.value.detail is not None and caught.value.detail.status == 502
    assert "natural key" in caught.value.hint
    assert await sandbox.statuses() == [502]


async def test_retries_are_bounded_in_count(sandbox: Sandbox) -> None:
    await sandbox.script_failure({"status": 500, "method": "PUT"})
    options = ClientOptions(seed=3, retry=RetryPolicy(max_attempts=3))
    async with sandbox.client(options=options) as live:
        with pytest.raises(ApiError, match=r"kept failing after 3 attempts"):
            await live.put("/v3/catalog/brands/1", {"name": "x"})
    assert await sandbox.statuses() == [500, 500, 500]


async def test_retries_are_bounded_in_time(sandbox: Sandbox) -> None:
    await sandbox.script_failure({"status": 504, "method": "GET"})
    options = ClientOptions(
        seed=3, retry=RetryPolicy(max_attempts=50, base_delay=1.0, max_delay=8.0, max_total=20.0)
    )
    async with sandbox.client(options=options) as live:
        with pytest.raises(ApiError, match=r"kept failing"):
            await live.get("/v2/store")
    assert sandbox.clock is not None and sum(sandbox.clock.sleeps) <= 20.0
    assert 3 <= len(await sandbox.statuses()) < 10


async def test_timeouts_on_reads_are_retried_then_reported(sandbox: Sandbox) -> None:
    await sandbox.configure({"faults": {"timeout_rate": 1.0}})
    options = ClientOptions(seed=3, retry=RetryPolicy(max_attempts=4))
    async with sandbox.client(options=options) as live:
        with pytest.raises(TransportError) as caught:
            await live.get("/v2/store")
        assert live.stats.transport_failures == 4
    assert not isinstance(caught.value, WriteOutcomeUnknownError)
    assert "got no answer after 4 attempts" in caught.value.message
    assert "ReadTimeout" in caught.value.message
    assert await sandbox.statuses() == [0, 0, 0, 0]


async def test_a_post_that_timed_out_is_not_repeated(sandbox: Sandbox) -> None:
    await sandbox.configure({"faults": {"timeout_rate": 1.0}})
    async with sandbox.client() as live:
        with pytest.raises(WriteOutcomeUnknownError) as caught:
            await live.post("/v3/catalog/brands", {"name": "Maybe"})
    assert "may or may not have applied it" in caught.value.message
    assert "natural key" in caught.value.hint
    assert await sandbox.statuses() == [0]
    # The store did apply it: retrying blindly would have made a duplicate.
    await sandbox.configure({"faults": {"timeout_rate": 0.0}})
    async with sandbox.client() as live:
        found = await live.get("/v3/catalog/brands", {"name": "Maybe"})
    assert len(found["data"]) == 1


async def test_dropped_connections_are_retried_for_reads(sandbox: Sandbox) -> None:
    await sandbox.configure({"faults": {"drop_rate": 0.5}, "seed": 11})
    async with sandbox.client() as live:
        results = [await live.get("/v2/time") for _ in range(12)]
        retries = live.stats.retries
    assert len(results) == 12 and retries > 0
    statuses = await sandbox.statuses()
    assert statuses.count(200) == 12 and statuses.count(0) == retries


async def test_a_dropped_post_is_reported_as_uncertain(sandbox: Sandbox) -> None:
    await sandbox.configure({"faults": {"drop_rate": 1.0}})
    async with sandbox.client() as live:
        with pytest.raises(WriteOutcomeUnknownError, match="RemoteProtocolError"):
            await live.post("/v3/catalog/brands", {"name": "Dropped"})
    assert await sandbox.statuses() == [0]


async def test_mixed_faults_never_reach_the_caller(sandbox: Sandbox) -> None:
    await sandbox.configure(
        {"faults": {"error_rate": 0.2, "drop_rate": 0.1, "timeout_rate": 0.1}, "seed": 5}
    )
    async with sandbox.client(options=ClientOptions(seed=9, concurrency=4)) as live:
        bodies = await asyncio.gather(*(live.get("/v2/store") for _ in range(40)))
        stats = live.stats
    assert all(body["id"] == "teststore" for body in bodies)
    statuses = await sandbox.statuses()
    assert statuses.count(200) == 40
    assert len(statuses) == 40 + stats.retries == stats.total_requests


async def test_a_burst_under_a_small_quota_meets_no_429(sandbox: Sandbox) -> None:
    await sandbox.configure({"rate_limit": {"quota": 10, "window_ms": 1000}})
    assert sandbox.clock is not None
    start = sandbox.clock.time
    async with sandbox.client(options=ClientOptions(seed=1, concurrency=4)) as live:
        bodies = await asyncio.gather(*(live.get("/v2/time") for _ in range(45)))
        stats = live.stats
    assert len(bodies) == 45
    statuses = await sandbox.statuses()
    assert statuses == [200] * 45 and stats.throttled == 0 and stats.total_requests == 45
    took = sandbox.clock.time - start
    # 9 usable per window (one kept in reserve): 45 requests need 5 windows, give or take.
    assert 4.0 <= took <= 6.0
    assert stats.limiter_wait > 0


async def test_a_quota_used_by_another_app_is_waited_for(sandbox: Sandbox) -> None:
    await sandbox.configure({"rate_limit": {"quota": 5, "window_ms": 30000}})
    async with httpx.AsyncClient(transport=sandbox.transport, base_url=SANDBOX_BASE_URL) as other:
        for _ in range(5):  # another app on the same store spends the whole window
            await other.get("/stores/teststore/v2/time", headers={"X-Auth-Token": DEFAULT_TOKEN})
    await sandbox.clear_requests()
    async with sandbox.client() as live:
        assert (await live.get("/v2/store"))["id"] == "teststore"
        assert live.stats.throttled == 1 and live.stats.retries == 1
    assert await sandbox.statuses() == [429, 200]
    assert sandbox.clock is not None
    # It slept the window's reset (X-Rate-Limit-Time-Reset-Ms / X-Retry-After), then jitter.
    assert sandbox.clock.sleeps[0] >= 29.0


async def test_429s_beyond_the_budget_are_a_rate_limit_error(sandbox: Sandbox) -> None:
    await sandbox.configure({"rate_limit": {"quota": 1, "window_ms": 600_000}})
    await sandbox.create_store()
    async with httpx.AsyncClient(transport=sandbox.transport, base_url=SANDBOX_BASE_URL) as other:
        await other.get("/stores/teststore/v2/time", headers={"X-Auth-Token": DEFAULT_TOKEN})
    options = ClientOptions(seed=1, retry=RetryPolicy(max_total=60.0))
    async with sandbox.client(options=options) as live:
        with pytest.raises(RateLimitError) as caught:
            await live.get("/v2/time")
    assert "kept answering 429" in caught.value.message
    assert "share its quota" in caught.value.hint
    assert caught.value.detail is not None and caught.value.detail.status == 429


async def test_real_time_burst_stays_under_the_quota(real_time_sandbox: Sandbox) -> None:
    sandbox = real_time_sandbox
    await sandbox.configure({"rate_limit": {"quota": 10, "window_ms": 1000}})
    async with sandbox.client(options=ClientOptions(seed=1, concurrency=4)) as live:
        await asyncio.gather(*(live.get("/v2/time") for _ in range(20)))
        assert live.stats.throttled == 0
    assert await sandbox.statuses() == [200] * 20


async def _customers(sandbox: Sandbox, count: int) -> list[int]:
    async with sandbox.client() as live:
        created = await live.post(
            "/v3/customers",
            [{"email": f"c{i}@example.com", "first_name": "C", "last_name": f"{i}"}
             for i in range(count)],
        )
    return [c["id"] for c in created["data"]]


async def test_concurrency_stays_within_the_client_bound(real_time_sandbox: Sandbox) -> None:
    # PUT /v3/customers allows 3 concurrent requests; with 50 ms latency they overlap.
    sandbox = real_time_sandbox
    ids = await _customers(sandbox, 6)
    await sandbox.configure({"faults": {"latency_ms": 50}})
    await sandbox.clear_requests()
    async with sandbox.client(options=ClientOptions(seed=1, concurrency=3)) as live:
        await asyncio.gather(
            *(live.put("/v3/customers", [{"id": i, "first_name": "D"}]) for i in ids * 2)
        )
        assert live.stats.throttled == 0
    assert await sandbox.statuses() == [200] * 12


async def test_a_concurrency_cap_429_is_retried_without_waiting_for_the_window(
    real_time_sandbox: Sandbox,
) -> None:
    sandbox = real_time_sandbox
    ids = await _customers(sandbox, 6)
    await sandbox.configure({"faults": {"latency_ms": 50}})
    await sandbox.clear_requests()
    start = time.monotonic()
    options = ClientOptions(seed=1, concurrency=6, endpoint_caps=False)
    async with sandbox.client(options=options) as live:
        await asyncio.gather(
            *(live.put("/v3/customers", [{"id": i, "first_name": "E"}]) for i in ids)
        )
        throttled = live.stats.throttled
    statuses = await sandbox.statuses()
    assert throttled > 0 and statuses.count(429) == throttled and statuses.count(200) == 6
    # X-Retry-After (1 s) and backoff, not the 30 s window reset.
    assert time.monotonic() - start < 5


async def test_clients_of_one_store_share_its_quota(sandbox: Sandbox) -> None:
    await sandbox.configure({"rate_limit": {"quota": 10, "window_ms": 1000}})
    async with sandbox.client(environment="plan") as reader, sandbox.client(
        environment="apply"
    ) as writer:
        assert reader.limiter is writer.limiter
        await asyncio.gather(
            *(reader.get("/v2/time") for _ in range(15)),
            *(writer.get("/v2/store") for _ in range(15)),
        )
        assert reader.stats.throttled == writer.stats.throttled == 0
    assert await sandbox.statuses() == [200] * 30
    async with sandbox.client("other-store") as other, sandbox.client() as same:
        assert other.limiter is not same.limiter


async def test_known_endpoint_caps_are_kept_whatever_the_concurrency(
    real_time_sandbox: Sandbox,
) -> None:
    sandbox = real_time_sandbox
    ids = await _customers(sandbox, 6)
    await sandbox.configure({"faults": {"latency_ms": 30}})
    await sandbox.clear_requests()
    async with sandbox.client(options=ClientOptions(seed=1, concurrency=8)) as live:
        await asyncio.gather(
            *(live.put("/v3/customers", [{"id": i, "last_name": "F"}]) for i in ids * 2),
            *(live.get("/v2/time") for _ in range(6)),
        )
        assert live.stats.throttled == 0
    assert await sandbox.statuses() == [200] * 18
