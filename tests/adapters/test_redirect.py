"""Redirects against the sandbox: the example store's redirects (to products, categories,
brands, pages and URLs by natural key) upserted in one call and read back equal; other
sites; updates, deletes, a bad redirect isolated in its batch, unknown targets, read-only."""

from __future__ import annotations

import math

import pytest

from reconciler.adapters.base import IdMaps, LiveContext
from reconciler.adapters.redirect import BATCH, adapter
from reconciler.kinds.redirect import Redirect
from reconciler.kinds.registry import kind_named
from reconciler.plan.model import Change
from reconciler.state import DeclaredState
from tests.adapters.conftest import Harness, all_applied, create, delete, update
from tests.adapters.content_support import assert_round_trip, read_only

pytestmark = pytest.mark.anyio

TARGETS = {
    "product": ("TRAIL-01", "TENT-02"),
    "category": ("Footwear/Trail Running", "Camping/Tents"),
    "brand": ("Summit Gear",),
    "page": ("/shipping-returns/",),
}


async def seed_targets(ctx: LiveContext) -> IdMaps:
    """The items the example redirects point to, made through the API; returns a map with
    just their ids (as a fresh run reading the catalogue and pages has)."""
    fresh = IdMaps()

    def remember(kind: str, key: str, store_id: int) -> None:
        ctx.ids.remember(kind_named(kind), key, store_id)
        fresh.remember(kind_named(kind), key, store_id)

    for sku in TARGETS["product"]:
        made = await ctx.client.post("/v3/catalog/products", {
            "name": f"Product {sku}", "type": "physical", "weight": 1, "price": 10, "sku": sku})
        remember("product", sku, made["data"]["id"])
    for path in TARGETS["category"]:
        parent, name = path.split("/")
        top = await ctx.client.post("/v3/catalog/categories", {"name": parent, "parent_id": 0})
        made = await ctx.client.post(
            "/v3/catalog/categories", {"name": name, "parent_id": top["data"]["id"]})
        remember("category", path, made["data"]["id"])
    brand = await ctx.client.post("/v3/catalog/brands", {"name": "Summit Gear"})
    remember("brand", "Summit Gear", brand["data"]["id"])
    page = await ctx.client.post("/v3/content/pages", {
        "name": "Shipping", "type": "page", "body": "x", "url": "/shipping-returns/"})
    remember("page", "/shipping-returns/", page["data"]["id"])
    return fresh


async def test_redirects_upserted_in_one_call_read_back_equal(
    harness: Harness, declared: DeclaredState
) -> None:
    items = list(declared.items["redirect"].values())
    assert {i.model.to.type for i in items if isinstance(i.model, Redirect)} == {
        "product", "category", "brand", "page", "url"}
    async with harness.context() as ctx:
        fresh = await seed_targets(ctx)
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item) for item in items])
        all_applied(results)
        assert await harness.since(cursor) == [
            ("GET", "/v2/store"), ("PUT", "/v3/storefront/redirects")]
        cursor = await harness.mark()
        live = await adapter.read(LiveContext(ctx.client, fresh, ctx.environment))
        assert await harness.since(cursor) == [
            ("GET", "/v2/store"), ("GET", "/v3/storefront/redirects")]
    assert set(live) == {item.match_key for item in items}
    for item in items:
        assert_round_trip(item, live[item.match_key])
        assert "site_id" not in live[item.match_key].data
    assert live["/summit/"].data["to"] == {"type": "brand", "key": "Summit Gear"}
    assert [r.ids["id"] for r in results] == [live[i.match_key].ids["id"] for i in items]


async def test_update_delete_and_a_deleted_target(harness: Harness) -> None:
    async with harness.context() as ctx:
        await seed_targets(ctx)
        first = Change("redirect", "/a/", "create", desired={
            "from_path": "/a/", "to": {"type": "product", "key": "TRAIL-01"}})
        second = Change("redirect", "/b/", "create", desired={
            "from_path": "/b/", "to": {"type": "url", "url": "https://example.com/b"}})
        all_applied(await adapter.write(ctx, [first, second]))
        live = await adapter.read(ctx)
        retarget = {"from_path": "/a/", "to": {"type": "page", "key": "/shipping-returns/"}}
        all_applied(await adapter.write(ctx, [
            update("redirect", "/a/", retarget, live["/a/"], [("to", "type"), ("to", "key")])]))
        live = await adapter.read(ctx)
        assert live["/a/"].data["to"] == retarget["to"]
        assert live["/a/"].ids == {"id": 1, "site_id": 1000}  # updated in place
        # A target the maps no longer know shows as its bare id: the plan replaces it.
        reading = await adapter.read(LiveContext(ctx.client, IdMaps(), ctx.environment))
        assert reading["/a/"].data["to"]["key"].startswith("#")
        all_applied(await adapter.write(ctx, [delete("redirect", item) for item in live.values()]))
        assert await adapter.read(ctx) == {}


async def test_redirects_of_another_site_keep_their_site(harness: Harness) -> None:
    async with harness.context() as ctx:
        await ctx.client.put("/v3/storefront/redirects", [
            {"from_path": "/x/", "site_id": 1000, "to": {"type": "url", "url": "/y/"}}])
        live = await adapter.read(ctx)
        assert live["/x/"].data == {"from_path": "/x/", "to": {"type": "url", "url": "/y/"}}
        # An absent site_id is written to the store's default site.
        change = Change("redirect", "/x/", "update", desired={
            "from_path": "/x/", "to": {"type": "url", "url": "/z/"}},
            live_ids=dict(live["/x/"].ids))
        all_applied(await adapter.write(ctx, [change]))
        assert (await adapter.read(ctx))["/x/"].data["to"]["url"] == "/z/"


async def test_a_default_site_named_by_its_id_reads_back_under_that_key(harness: Harness) -> None:
    async with harness.context() as ctx:
        await ctx.client.put("/v3/storefront/redirects", [
            {"from_path": "/x/", "site_id": 1000, "to": {"type": "url", "url": "/y/"}}])
        ctx.declared_keys = {"redirect": frozenset({"site:1000/x/"})}
        live = await adapter.read(ctx)
        assert set(live) == {"site:1000/x/"}
        assert live["site:1000/x/"].data["site_id"] == 1000


async def test_a_bad_redirect_fails_alone_and_counts_stay_minimal(harness: Harness) -> None:
    count = BATCH + 20
    changes = [
        Change("redirect", f"/r{n}/", "create", desired={
            "from_path": f"/r{n}/", "to": {"type": "url", "url": f"/to/{n}/"}})
        for n in range(count)
    ]
    # Longer than the 2048 characters redirects.v3.yml allows for to.url.
    changes[7] = Change("redirect", "/r7/", "create", desired={
        "from_path": "/r7/", "to": {"type": "url", "url": "/" + "x" * 2100}})
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, changes)
        sent = await harness.since(cursor)
        live = await adapter.read(ctx)
    assert [r.key for r in results if r.outcome == "failed"] == ["/r7/"]
    assert results[7].detail is not None and results[7].detail.status == 422
    # One refused batch of 100 bisected down to the bad item: 2 per level, 7 levels.
    assert len([s for s in sent if s[0] == "PUT"]) == math.ceil(count / BATCH) + 2 * 7
    assert len(live) == count - 1


async def test_unknown_target_fails_without_a_request(harness: Harness) -> None:
    change = Change("redirect", "/gone/", "create", desired={
        "from_path": "/gone/", "to": {"type": "product", "key": "NOPE-1"}})
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [change])
        assert [m for m, _ in await harness.since(cursor)] == ["GET"]
    assert results[0].outcome == "failed" and "NOPE-1" in results[0].message


async def test_read_only_token_reads_but_cannot_write(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await read_only(harness, monkeypatch, "store_v2_content")
    await harness.sandbox.admin("POST", "/stores/teststore/tokens", json={
        "token": "read-only-content-token",
        "scopes": {"store_v2_content": "read", "store_v2_information": "read"}})
    change = Change("redirect", "/a/", "create", desired={
        "from_path": "/a/", "to": {"type": "url", "url": "/b/"}})
    async with harness.context("readonly") as ctx:
        assert await adapter.read(ctx) == {}
        results = await adapter.write(ctx, [change])
    assert results[0].outcome == "failed"
    assert results[0].detail is not None and results[0].detail.status == 403
    assert "store_v2_content" in results[0].message


async def test_without_the_store_information_scope_every_item_fails_clearly(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await read_only(harness, monkeypatch, "store_v2_content")
    change = Change("redirect", "/a/", "create", desired={
        "from_path": "/a/", "to": {"type": "url", "url": "/b/"}})
    async with harness.context("readonly") as ctx:
        results = await adapter.write(ctx, [change])
    assert results[0].outcome == "failed"
    assert "store_v2_information" in results[0].message
