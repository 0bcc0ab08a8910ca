"""Pages against the sandbox: the example store's pages (a child with its parent in the same
apply) written in bulk and read back equal; request counts; bulk updates bisected around a
bad page; a refused bulk POST keeps the valid pages; lost answers; deletes; read-only."""

from __future__ import annotations

import math

import pytest

from reconciler.adapters.base import IdMaps, LiveContext
from reconciler.adapters.page import BATCH, adapter
from reconciler.plan.model import Change
from reconciler.state import DeclaredState
from tests.adapters.conftest import Harness, all_applied, create, delete, desired, update
from tests.adapters.content_support import assert_round_trip, losing_context, read_only

pytestmark = pytest.mark.anyio


def page_change(number: int) -> Change:
    url = f"/guide-{number}/"
    values = {"url": url, "name": f"Guide {number}", "type": "page", "body": f"<p>{number}</p>",
              "sort_order": number}
    return Change("page", url, "create", desired=values)


async def test_pages_written_in_bulk_read_back_equal(
    harness: Harness, declared: DeclaredState
) -> None:
    items = list(declared.items["page"].values())
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item) for item in items])
        all_applied(results)
        # The parent level in one POST, then the child whose parent it names.
        assert await harness.since(cursor) == [("POST", "/v3/content/pages")] * 2
        cursor = await harness.mark()
        live = await adapter.read(LiveContext(ctx.client, IdMaps(), ctx.environment))
        assert await harness.since(cursor, query=True) == [
            ("GET", "/v3/content/pages?include=body&limit=250&page=1")]
    assert set(live) == {item.match_key for item in items}
    for item in items:
        assert_round_trip(item, live[item.match_key])
        assert not live[item.match_key].owned
    child = live["/shipping-returns/size-guide/"]
    assert child.data["parent"] == "/shipping-returns/"
    assert live["/contact-us/"].data["contact_fields"] == ["fullname", "phone", "orderno"]
    assert "body" not in live["/field-journal/"].data
    assert [r.ids["id"] for r in results] == [live[i.match_key].ids["id"] for i in items]


async def test_request_counts_scale_with_batches(harness: Harness) -> None:
    count = BATCH + 30
    async with harness.context() as ctx:
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [page_change(n) for n in range(count)]))
        assert len(await harness.since(cursor)) == math.ceil(count / BATCH)
        live = await adapter.read(ctx)
        changes = [
            update("page", key, {"sort_order": 999}, item, [("sort_order",)])
            for key, item in live.items()
        ]
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, changes))
        puts = await harness.since(cursor)
        assert puts == [("PUT", "/v3/content/pages")] * math.ceil(count / BATCH)
        cursor = await harness.mark()
        assert len(await adapter.read(ctx)) == count
        assert len(await harness.since(cursor)) == math.ceil(count / 250)
        assert {i.data["sort_order"] for i in (await adapter.read(ctx)).values()} == {999}
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [delete("page", item) for item in live.values()]))
        assert len(await harness.since(cursor)) == math.ceil(count / BATCH)
        assert await adapter.read(ctx) == {}


async def test_a_bad_page_in_a_bulk_update_fails_alone(harness: Harness) -> None:
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [page_change(n) for n in range(8)]))
        live = await adapter.read(ctx)
        changes = [
            update("page", key, {"name": f"Renamed {key}"}, item, [("name",)])
            for key, item in live.items()
        ]
        # Page 5 takes the name page 6 keeps: pages.v3.yml says names "Must be unique".
        changes[5] = update("page", "/guide-5/", {"name": "Guide 6"}, live["/guide-5/"],
                            [("name",)])
        changes[6] = update("page", "/guide-6/", {"sort_order": 6}, live["/guide-6/"],
                            [("sort_order",)])
        cursor = await harness.mark()
        results = await adapter.write(ctx, changes)
        assert [r.outcome for r in results] == ["applied"] * 5 + ["failed"] + ["applied"] * 2
        assert results[5].detail is not None and results[5].detail.status == 422
        assert "unique" in results[5].message
        # 1 refused batch of 8, halves 4+4 (one refused), 2+2 (one refused), 1+1.
        assert len(await harness.since(cursor)) == 7
        names = {i.data["name"] for i in (await adapter.read(ctx)).values()}
        assert "Renamed /guide-0/" in names and "Guide 5" in names


async def test_a_refused_bulk_create_keeps_the_valid_pages(harness: Harness) -> None:
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [page_change(1)]))
        clash = Change("page", "/clash/", "create",
                       desired={"url": "/clash/", "name": "Guide 1", "type": "page", "body": "x"})
        changes = [page_change(2), clash, page_change(3)]
        results = await adapter.write(ctx, changes)
        assert [r.outcome for r in results] == ["applied", "failed", "applied"]
        assert results[1].detail is not None and results[1].detail.status == 422
        live = await adapter.read(ctx)
    assert sorted(live) == ["/guide-1/", "/guide-2/", "/guide-3/"]
    assert results[0].ids == live["/guide-2/"].ids


async def test_a_lost_bulk_create_is_not_duplicated(
    harness: Harness, declared: DeclaredState
) -> None:
    items = [i for i in declared.items["page"].values() if "parent" not in desired(i.model)]
    async with losing_context(harness, "POST", "/v3/content/pages") as ctx:
        results = await adapter.write(ctx, [create(item) for item in items])
        all_applied(results)
        live = await adapter.read(ctx)
    assert len(live) == len(items)
    assert [r.ids for r in results] == [live[i.match_key].ids for i in items]


async def test_existing_page_is_updated_not_duplicated(
    harness: Harness, declared: DeclaredState
) -> None:
    item = declared.items["page"]["/about-us/"]
    async with harness.context() as ctx:
        await ctx.client.post("/v3/content/pages", {"name": "About Us", "type": "page",
                                                    "body": "old", "url": "/about-us/"})
        all_applied(await adapter.write(ctx, [create(item)]))
        live = await adapter.read(ctx)
    assert len(live) == 1
    assert_round_trip(item, live[item.match_key])


async def test_missing_parent_fails_without_a_request(harness: Harness) -> None:
    orphan = Change("page", "/child/", "create", desired={
        "url": "/child/", "name": "Child", "type": "page", "body": "x", "parent": "/nowhere/"})
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [orphan])
        assert await harness.since(cursor) == []
    assert results[0].outcome == "failed" and "/nowhere/" in results[0].message


async def test_read_only_token_reads_but_cannot_write(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await read_only(harness, monkeypatch, "store_v2_content")
    async with harness.context("readonly") as ctx:
        assert await adapter.read(ctx) == {}
        results = await adapter.write(ctx, [page_change(1)])
    assert results[0].outcome == "failed"
    assert results[0].detail is not None and results[0].detail.status == 403
    assert "store_v2_content" in results[0].message


async def test_a_refused_post_whose_pages_cannot_be_listed_fails_its_pages(
    harness: Harness,
) -> None:
    await harness.fail({"status": 422, "method": "POST", "path": "/v3/content/pages",
                        "count": 1})
    await harness.fail({"status": 403, "method": "GET", "path": "/v3/content/pages",
                        "count": 1})
    async with harness.context() as ctx:
        results = await adapter.write(ctx, [page_change(1), page_change(2)])
        assert await adapter.read(ctx) == {}  # the scripted 422 applied nothing
    assert [r.outcome for r in results] == ["failed", "failed"]
    assert all(r.detail is not None and r.detail.status == 403 for r in results)
