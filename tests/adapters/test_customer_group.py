"""Customer groups (V2) against the sandbox: the example store's groups written and read
back with categories, products and price lists by natural key; updates, deletes, lost
creates, unknown references, request counts and a read-only token."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.adapters.base import IdMaps, LiveContext
from reconciler.adapters.customer_group import adapter
from reconciler.kinds.registry import kind_named
from reconciler.plan.canonical import canonical_live
from reconciler.plan.model import Change
from reconciler.state import DeclaredState
from tests.adapters.conftest import Harness, all_applied, create, delete, update
from tests.adapters.content_support import assert_round_trip, losing_context, read_only

pytestmark = pytest.mark.anyio

CATEGORIES = ("Footwear", "Clothing", "Camping", "Packs", "Climbing")


async def seed_catalogue(ctx: LiveContext) -> None:
    """The categories, product and price list the example groups refer to, made through
    the API and remembered as the catalogue adapters would."""
    category = kind_named("category")
    for name in CATEGORIES:
        made = await ctx.client.post("/v3/catalog/categories", {"name": name, "parent_id": 0})
        ctx.ids.remember(category, name, made["data"]["id"])
    parent = ctx.ids.id_of(category, "Climbing")
    ropes = await ctx.client.post("/v3/catalog/categories", {"name": "Ropes", "parent_id": parent})
    ctx.ids.remember(category, "Climbing/Ropes", ropes["data"]["id"])
    product = await ctx.client.post(
        "/v3/catalog/products",
        {"name": "Summit 2 Tent", "type": "physical", "weight": 2, "price": 349, "sku": "TENT-02"},
    )
    ctx.ids.remember(kind_named("product"), "TENT-02", product["data"]["id"])
    price_list = await ctx.client.post("/v3/pricelists", {"name": "Wholesale", "active": True})
    ctx.ids.remember(kind_named("price_list"), "Wholesale", price_list["data"]["id"])


def catalogue_ids(ctx: LiveContext) -> IdMaps:
    """A fresh map with only the catalogue's ids (as a new run reading the store has)."""
    fresh = IdMaps()
    for kind_name, keys in (
        ("category", (*CATEGORIES, "Climbing/Ropes")),
        ("product", ("TENT-02",)),
        ("price_list", ("Wholesale",)),
    ):
        kind = kind_named(kind_name)
        for key in keys:
            fresh.remember(kind, key, ctx.ids.id_of(kind, key))
    return fresh


async def test_groups_written_read_back_equal(harness: Harness, declared: DeclaredState) -> None:
    items = list(declared.items["customer_group"].values())
    async with harness.context() as ctx:
        await seed_catalogue(ctx)
        all_applied(await adapter.write(ctx, [create(item) for item in items]))
        cursor = await harness.mark()
        live = await adapter.read(LiveContext(ctx.client, catalogue_ids(ctx), ctx.environment))
        assert await harness.since(cursor) == [("GET", "/v2/customer_groups")]
    assert set(live) == {item.match_key for item in items}
    for item in items:
        assert_round_trip(item, live[item.match_key])
        assert not live[item.match_key].owned
    guides = live["Guides & Instructors"].data
    assert guides["category_access"]["categories"] == list(CATEGORIES)
    assert {r["type"]: r.get("category") or r.get("product") for r in guides["discount_rules"]} == {
        "all": None, "category": "Climbing/Ropes", "product": "TENT-02"}
    assert live["Trade Partners"].data["discount_rules"] == [
        {"type": "price_list", "price_list": "Wholesale"}]


async def test_update_sends_only_changed_fields_and_delete_removes(
    harness: Harness, declared: DeclaredState
) -> None:
    item = declared.items["customer_group"]["Guides & Instructors"]
    async with harness.context() as ctx:
        await seed_catalogue(ctx)
        all_applied(await adapter.write(ctx, [create(item)]))
        before = (await adapter.read(ctx))[item.match_key]
        values: dict[str, Any] = {
            **create(item).desired,  # type: ignore[dict-item]
            "discount_rules": [{"type": "all", "method": "percent", "amount": "15"}],
            "category_access": {"type": "none"},
        }
        change = update(
            "customer_group", item.key, values, before,
            [("discount_rules", 0, "amount"), ("category_access", "type")],
        )
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [change]))
        assert await harness.since(cursor) == [("PUT", f"/v2/customer_groups/{before.ids['id']}")]
        after = (await adapter.read(ctx))[item.match_key]
        assert after.data["category_access"] == {"type": "none"}
        rules = canonical_live(adapter.kind, after.data)["discount_rules"]
        assert rules == [{"type": "all", "method": "percent", "amount": "15"}]
        all_applied(await adapter.write(ctx, [delete("customer_group", after)]))
        assert await adapter.read(ctx) == {}
        # Deleting again (a crash after the first delete): the end state holds.
        all_applied(await adapter.write(ctx, [delete("customer_group", after)]))


async def test_unknown_reference_fails_the_item_without_a_request(
    harness: Harness, declared: DeclaredState
) -> None:
    items = list(declared.items["customer_group"].values())
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item) for item in items])
        assert [r.outcome for r in results] == ["failed", "failed"]
        assert "price list 'Wholesale' is not in the store" in results[0].message
        assert await harness.since(cursor) == []


async def test_existing_group_is_updated_not_duplicated(
    harness: Harness, declared: DeclaredState
) -> None:
    item = declared.items["customer_group"]["Trade Partners"]
    async with harness.context() as ctx:
        await seed_catalogue(ctx)
        await ctx.client.post("/v2/customer_groups", {"name": item.key, "is_default": True})
        results = await adapter.write(ctx, [create(item)])
        all_applied(results)
        live = await adapter.read(ctx)
        assert len(live) == 1
        assert live[item.match_key].data["is_default"] is False
        assert results[0].ids == live[item.match_key].ids


async def test_lost_create_answer_is_recovered(harness: Harness, declared: DeclaredState) -> None:
    item = declared.items["customer_group"]["Trade Partners"]
    async with harness.context() as ctx:
        await seed_catalogue(ctx)
        ids = ctx.ids
    # The store applies the POST, but the answer never arrives.
    async with losing_context(harness, "POST", "/v2/customer_groups", ids) as ctx:
        results = await adapter.write(ctx, [create(item)])
        all_applied(results)
        live = await adapter.read(ctx)
    assert len(live) == 1
    assert results[0].ids == live[item.match_key].ids


async def test_read_only_token_reads_but_cannot_write(
    harness: Harness, declared: DeclaredState, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = declared.items["customer_group"]["Trade Partners"]
    await read_only(harness, monkeypatch, "store_v2_customers")
    async with harness.context("readonly") as ctx:
        assert await adapter.read(ctx) == {}
        results = await adapter.write(ctx, [Change("customer_group", item.key, "create",
                                                   desired={"name": item.key})])
    assert results[0].outcome == "failed"
    assert results[0].detail is not None and results[0].detail.status == 403
    assert "store_v2_customers" in results[0].message


async def test_reading_costs_one_request_per_250_groups_plus_the_empty_page(
    harness: Harness,
) -> None:
    changes = [
        Change("customer_group", f"Group {n:03d}", "create", desired={"name": f"Group {n:03d}"})
        for n in range(251)
    ]
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, changes[:250]))
        cursor = await harness.mark()
        assert len(await adapter.read(ctx)) == 250
        # A full page cannot tell it is the last: V2 answers the next one with 204.
        assert await harness.since(cursor, query=True) == [
            ("GET", "/v2/customer_groups?page=1&limit=250"),
            ("GET", "/v2/customer_groups?page=2&limit=250"),
        ]
        all_applied(await adapter.write(ctx, changes[250:]))
        cursor = await harness.mark()
        assert len(await adapter.read(ctx)) == 251
        assert len(await harness.since(cursor)) == 2
