"""V3 and V2 pagination against real sandbox list endpoints, counted in its request log."""

from __future__ import annotations

import asyncio

import pytest

from reconciler.errors import ApiError
from reconciler.live import LiveClient
from tests.live.conftest import Sandbox

pytestmark = pytest.mark.anyio


async def _brands(client: LiveClient, count: int) -> list[int]:
    return [
        (await client.post("/v3/catalog/brands", {"name": f"Brand {i:03d}"}))["data"]["id"]
        for i in range(count)
    ]


async def test_v3_reads_every_page_in_order_with_one_request_each(
    client: LiveClient, sandbox: Sandbox
) -> None:
    ids = await _brands(client, 23)
    await sandbox.clear_requests()
    items = await client.paginate_v3("/v3/catalog/brands", {"sort": "name"}, limit=5)
    assert [item["id"] for item in items] == ids
    log = await sandbox.requests()
    assert len(log) == 5  # ceil(23 / 5): the first page tells the total, no extra probe
    assert all(entry["method"] == "GET" and entry["status"] == 200 for entry in log)
    pages = sorted(entry["path"] for entry in log)
    assert all("limit=5" in path and "sort=name" in path for path in pages)
    assert sorted(int(p.split("page=")[1].split("&")[0]) for p in pages) == [1, 2, 3, 4, 5]


async def test_v3_single_page_and_empty_list_take_one_request(
    client: LiveClient, sandbox: Sandbox
) -> None:
    assert await client.paginate_v3("/v3/catalog/brands") == []
    await _brands(client, 3)
    await sandbox.clear_requests()
    assert len(await client.paginate_v3("/v3/catalog/brands")) == 3
    [entry] = await sandbox.requests()
    assert "limit=250" in entry["path"] and "page=1" in entry["path"]


async def test_v3_include_passes_through(client: LiveClient, sandbox: Sandbox) -> None:
    await client.post(
        "/v3/catalog/products",
        {"name": "Trail Shoe", "type": "physical", "weight": 1, "price": 89, "sku": "TRAIL-01"},
    )
    await sandbox.clear_requests()
    products = await client.paginate_v3(
        "/v3/catalog/products", {"include": ["variants", "images"]}
    )
    assert products[0]["sku"] == "TRAIL-01"
    assert "variants" in products[0] and "images" in products[0]
    [entry] = await sandbox.requests()
    assert "include=variants%2Cimages" in entry["path"] or "include=variants,images" in entry[
        "path"
    ]


async def test_pages_can_be_consumed_one_by_one(client: LiveClient, sandbox: Sandbox) -> None:
    await _brands(client, 12)
    sizes = [len(page) async for page in client.iter_pages_v3("/v3/catalog/brands", limit=5)]
    assert sizes == [5, 5, 2]


async def test_v3_page_concurrency_is_bounded(sandbox: Sandbox) -> None:
    from reconciler.live import ClientOptions

    async with sandbox.client(options=ClientOptions(concurrency=2, seed=1)) as live:
        await _brands(live, 30)
        items = await live.paginate_v3("/v3/catalog/brands", limit=3)
    assert len(items) == 30


async def _groups(client: LiveClient, count: int) -> list[int]:
    return [
        (await client.post("/v2/customer_groups", {"name": f"Group {i}"}))["id"]
        for i in range(count)
    ]


async def test_v2_stops_at_a_short_page(client: LiveClient, sandbox: Sandbox) -> None:
    ids = await _groups(client, 7)
    await sandbox.clear_requests()
    groups = await client.paginate_v2("/v2/customer_groups", limit=3)
    assert [g["id"] for g in groups] == ids
    log = await sandbox.requests()
    assert [entry["status"] for entry in log] == [200, 200, 200]  # 3 + 3 + 1: no 4th call
    assert all("limit=3" in entry["path"] for entry in log)


async def test_v2_stops_at_a_204(client: LiveClient, sandbox: Sandbox) -> None:
    ids = await _groups(client, 6)
    await sandbox.clear_requests()
    pages = [page async for page in client.iter_pages_v2("/v2/customer_groups", limit=3)]
    assert [[g["id"] for g in page] for page in pages] == [ids[:3], ids[3:]]
    assert await sandbox.statuses() == [200, 200, 204]


async def test_v2_empty_list_is_one_request(client: LiveClient, sandbox: Sandbox) -> None:
    await sandbox.create_store()
    await sandbox.clear_requests()
    assert await client.paginate_v2("/v2/customer_groups", {"name:like": "nothing"}) == []
    assert await sandbox.statuses() == [204]


async def test_v2_pagination_refuses_a_non_list(client: LiveClient) -> None:
    with pytest.raises(ApiError, match="not the JSON array of a V2 list"):
        await client.paginate_v2("/v2/store")


async def test_a_failing_page_stops_the_read_and_its_siblings(
    client: LiveClient, sandbox: Sandbox
) -> None:
    await _brands(client, 40)
    await sandbox.clear_requests()
    pages = client.iter_pages_v3("/v3/catalog/brands", limit=2)  # 20 pages
    first = await anext(pages)
    assert len(first) == 2
    await sandbox.script_failure({"status": 422, "method": "GET", "path": "/v3/catalog/brands"})
    with pytest.raises(ApiError):
        async for _ in pages:
            pass
    await asyncio.sleep(0.05)  # any orphaned fetch would show up in the log now
    log = await sandbox.requests()
    # The first page plus at most one batch of look-ahead fetches (2 x concurrency).
    assert 2 <= len(log) <= 1 + 2 * client.options.concurrency
    assert all(entry["status"] == 422 for entry in log[1:])
