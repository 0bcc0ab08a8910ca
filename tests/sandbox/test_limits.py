"""Rate limits: quota headers on every answer, 429 with X-Retry-After, windows, concurrency caps."""

from __future__ import annotations

import asyncio

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.limits import ManualClock, WindowState
from reconciler.sandbox.settings import DEFAULT_QUOTA, update_settings
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store
from reconciler.sandbox.transport import SANDBOX_BASE_URL, SandboxTransport
from tests.sandbox.conftest import Clocked

RATE_HEADERS = (
    "X-Rate-Limit-Requests-Left",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Window-Ms",
    "X-Rate-Limit-Time-Reset-Ms",
)


def test_every_answer_carries_the_rate_limit_headers(clocked: Clocked) -> None:
    ok = clocked.store.get("/v2/time")
    unauthorised = clocked.store.with_token("wrong").get("/v2/time")
    missing = clocked.store.get("/v3/catalog/products/999999")
    assert unauthorised.status_code == 401
    assert missing.status_code == 404
    for response in (ok, unauthorised, missing):
        assert all(name in response.headers for name in RATE_HEADERS), response.headers
    assert ok.headers["X-Rate-Limit-Requests-Quota"] == str(DEFAULT_QUOTA)
    assert ok.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    # 401s do not count against the store's quota: two requests were counted.
    assert int(missing.headers["X-Rate-Limit-Requests-Left"]) == DEFAULT_QUOTA - 2


def test_plan_quota_answers_429_with_retry_after_until_the_window_resets(
    clocked: Clocked,
) -> None:
    update_settings(clocked.db, "teststore", {"rate_limit": {"quota": 3, "window_ms": 30_000}})
    lefts = []
    for _ in range(3):
        response = clocked.store.get("/v2/time")
        assert response.status_code == 200
        lefts.append(int(response.headers["X-Rate-Limit-Requests-Left"]))
        clocked.clock.advance(1.0)
    assert lefts == [2, 1, 0]
    refused = clocked.store.get("/v2/time")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert refused.headers["X-Rate-Limit-Requests-Quota"] == "3"
    assert refused.headers["X-Rate-Limit-Time-Reset-Ms"] == "27000"
    assert refused.headers["X-Retry-After"] == "27"
    assert refused.json() == [{"status": 429, "message": "Too many requests"}]  # V2 shape
    v3 = clocked.store.get("/v3/catalog/products")
    assert v3.status_code == 429
    assert v3.json()["status"] == 429 and v3.json()["title"] == "Too many requests"
    clocked.clock.advance(27.0)
    again = clocked.store.get("/v2/time")
    assert again.status_code == 200
    assert again.headers["X-Rate-Limit-Requests-Left"] == "2"
    assert again.headers["X-Rate-Limit-Time-Reset-Ms"] == "30000"


def test_request_counts_in_the_log_are_exact(clocked: Clocked) -> None:
    update_settings(clocked.db, "teststore", {"rate_limit": {"quota": 5}})
    statuses = [clocked.store.get("/v2/time").status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    log = clocked.http.get("/_sandbox/stores/teststore/requests").json()
    assert [e["status"] for e in log["data"]] == statuses
    assert log["meta"]["cursor"] == 8
    clocked.clock.advance(30.0)
    clocked.store.get("/v2/store")
    newer = clocked.http.get("/_sandbox/stores/teststore/requests", params={"since": 8}).json()
    assert newer["data"] == [{"method": "GET", "path": "/v2/store", "status": 200}]
    assert newer["meta"]["cursor"] == 9
    assert clocked.http.delete("/_sandbox/stores/teststore/requests").status_code == 204
    after_clear = clocked.http.get("/_sandbox/stores/teststore/requests", params={"since": 9})
    assert after_clear.json() == {"data": [], "meta": {"cursor": 9}}


def test_a_quota_set_by_another_process_applies(clocked: Clocked, tmp_path: object) -> None:
    other = SandboxDB(clocked.db.path)
    try:
        update_settings(other, "teststore", {"rate_limit": {"quota": 1}})
    finally:
        other.close()
    assert clocked.store.get("/v2/time").headers["X-Rate-Limit-Requests-Quota"] == "1"
    assert clocked.store.get("/v2/time").status_code == 429


@settings(max_examples=50, deadline=None)
@given(
    quota=st.integers(1, 20),
    window_ms=st.integers(1, 60_000),
    gaps_ms=st.lists(st.integers(0, 20_000), min_size=1, max_size=60),
)
def test_a_window_never_allows_more_than_its_quota(
    quota: int, window_ms: int, gaps_ms: list[int]
) -> None:
    window = WindowState(quota, window_ms)
    now = 0.0
    allowed_at: list[float] = []
    for gap in gaps_ms:
        now += gap / 1000
        decision = window.take(now)
        left = int(decision.headers["X-Rate-Limit-Requests-Left"])
        reset = int(decision.headers["X-Rate-Limit-Time-Reset-Ms"])
        assert 0 <= left <= quota and 0 <= reset <= window_ms
        if decision.allowed:
            allowed_at.append(now)
        else:
            assert left == 0 and int(decision.headers["X-Retry-After"]) >= 1
    # No span shorter than the window holds more than `quota` allowed requests.
    for i in range(len(allowed_at)):
        inside = [t for t in allowed_at[i:] if (t - allowed_at[i]) * 1000 < window_ms]
        assert len(inside) <= 2 * quota  # a fixed window may straddle two windows
    assert len([t for t in allowed_at if t * 1000 < window_ms]) <= quota


def test_concurrency_cap_answers_429_while_the_endpoint_is_busy(sandbox_db: SandboxDB) -> None:
    """``GET /v3/catalog/trees/{id}/categories`` takes one request at a time
    (category-trees_catalog.v3.yml). Concurrency needs the async transport: a test client
    sends one request at a time."""
    clock = ManualClock()
    app = SandboxApp(sandbox_db, clock=clock)
    create_store(sandbox_db, "teststore")
    # Latency keeps each request in flight across a yield to the event loop.
    update_settings(sandbox_db, "teststore", {"faults": {"latency_ms": 5}})

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            transport=SandboxTransport(app),
            base_url=SANDBOX_BASE_URL,
            headers={"X-Auth-Token": DEFAULT_TOKEN},
        ) as client:
            path = "/stores/teststore/v3/catalog/trees/1/categories"
            first = await asyncio.gather(*(client.get(path) for _ in range(3)))
            after = await client.get(path)
            return [*first, after]

    responses = asyncio.run(burst())
    statuses = [r.status_code for r in responses]
    assert statuses.count(429) == 2, statuses
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["errors"]["concurrency"].startswith("at most 1 concurrent")
    assert "X-Retry-After" in refused.headers
    assert responses[-1].status_code != 429  # the slot is free again
