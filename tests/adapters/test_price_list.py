"""Price lists against the sandbox: records upserted 1,000 a request by SKU and currency,
read back equal, single-record updates and removals, refused records isolated, deletes."""

from __future__ import annotations

import math
from typing import Any

import pytest

from reconciler.adapters.base import LiveContext
from reconciler.adapters.price_list import adapter, record_payload
from reconciler.adapters.product import adapter as products
from reconciler.kinds.price_list import PriceList
from reconciler.plan.model import Change
from reconciler.state import DeclaredState
from tests.adapters.conftest import (
    Harness,
    all_applied,
    create,
    delete,
    differences,
    seed_references,
    update,
)

pytestmark = pytest.mark.anyio
PATH = "/v3/pricelists"


async def seed_catalogue(ctx: LiveContext, declared: DeclaredState) -> None:
    await seed_references(ctx, declared)
    items = declared.items["product"].values()
    all_applied(await products.write(ctx, [create(i, canonical=True) for i in items]))


def grid_product(sku: str, sizes: int, colours: int) -> Change:
    """A product with ``sizes × colours`` variants ``{sku}-{size}-{colour}``."""
    size_labels = [f"S{i}" for i in range(sizes)]
    colour_labels = [f"C{i}" for i in range(colours)]
    desired: dict[str, Any] = {
        "sku": sku, "name": f"Bulk {sku}", "type": "physical", "price": "10", "weight": "1",
        "options": [
            {"display_name": name, "type": "dropdown",
             "values": [{"label": label, "sort_order": i} for i, label in enumerate(labels)]}
            for name, labels in (("Size", size_labels), ("Colour", colour_labels))
        ],
        "variants": [{"sku": f"{sku}-{s}-{c}", "option_values": {"Size": s, "Colour": c}}
                     for s in size_labels for c in colour_labels],
    }
    return Change("product", sku, "create", desired=desired)


async def test_the_example_price_list_is_written_and_read_back_equal(
    harness: Harness, declared: DeclaredState
) -> None:
    item = next(iter(declared.items["price_list"].values()))
    async with harness.context() as ctx:
        await seed_catalogue(ctx, declared)
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
        assert await harness.since(cursor) == [("POST", PATH), ("PUT", f"{PATH}/1/records")]
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        assert await harness.since(cursor) == [("GET", PATH), ("GET", f"{PATH}/1/records")]
    got = live[item.match_key]
    PriceList.model_validate(got.data)
    assert differences(item, got) == []


async def test_records_upsert_1000_a_request_and_refused_records_fail_alone(
    harness: Harness,
) -> None:
    async with harness.context() as ctx:
        all_applied(await products.write(ctx, [grid_product("BULK-A", 25, 22),
                                               grid_product("BULK-B", 25, 22)]))
        skus = [f"BULK-{p}-S{s}-C{c}" for p in "AB" for s in range(25) for c in range(22)]
        records = [{"sku": sku, "currency": currency, "price": "5.5"}
                   for sku in skus for currency in ("USD", "EUR")]
        good = Change("price_list", "Trade", "create",
                      desired={"name": "Trade", "active": True, "records": records})
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [good]))
        upserts = [r for r in await harness.since(cursor) if r[0] == "PUT"]
        assert len(upserts) == math.ceil(len(records) / 1000)
        bad_records = [*records[:10], {"sku": "NO-SUCH-SKU", "currency": "USD", "price": "1"}]
        bad = Change("price_list", "Broken", "create",
                     desired={"name": "Broken", "records": bad_records})
        results = await adapter.write(ctx, [bad])
        live = await adapter.read(ctx)
    assert results[0].outcome == "failed"
    assert "record NO-SUCH-SKU USD" in results[0].message
    assert len(live["Trade"].data["records"]) == len(records)
    assert len(live["Broken"].data["records"]) == 10


async def test_update_one_record_remove_one_and_deactivate(
    harness: Harness, declared: DeclaredState
) -> None:
    item = next(iter(declared.items["price_list"].values()))
    async with harness.context() as ctx:
        await seed_catalogue(ctx, declared)
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
        live = (await adapter.read(ctx))[item.match_key]
        records = [dict(r) for r in live.data["records"]]
        first, gone = records[0], records[1]
        first["price"] = "1.25"
        values = {"name": item.key, "active": False, "records": records[:1] + records[2:]}
        change = update(
            "price_list", item.key, values, live,
            [("active",), ("records", f"{first['sku']} {first['currency']}", "price")],
            removed=[("records", f"{gone['sku']} {gone['currency']}")],
        )
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [change]))
        requests = await harness.since(cursor)
        again = (await adapter.read(ctx))[item.match_key]
    list_id = live.ids["id"]
    assert requests == [("PUT", f"{PATH}/{list_id}"), ("PUT", f"{PATH}/{list_id}/records"),
                        ("DELETE", f"{PATH}/{list_id}/records")]
    assert again.data["active"] is False
    assert len(again.data["records"]) == len(records) - 1
    by_key = {(r["sku"], r["currency"]): r for r in again.data["records"]}
    assert by_key[(first["sku"], first["currency"])]["price"] == 1.25
    assert (gone["sku"], gone["currency"]) not in by_key


async def test_create_of_an_existing_list_updates_it_and_delete_removes_it(
    harness: Harness, declared: DeclaredState
) -> None:
    item = next(iter(declared.items["price_list"].values()))
    async with harness.context() as ctx:
        await seed_catalogue(ctx, declared)
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
        live = await adapter.read(ctx)
        assert list(live) == [item.match_key]
        all_applied(await adapter.write(ctx, [delete("price_list", live[item.match_key])]))
        assert await adapter.read(ctx) == {}


def test_a_record_is_sent_with_its_currency_as_declared() -> None:
    # The store lower-cases the code itself (tests/sandbox/test_price_lists.py); the
    # adapter must not rewrite it.
    body = record_payload({"sku": "Trail-01", "currency": "USD", "price": "12.3450"})
    assert body == {"sku": "Trail-01", "currency": "USD", "price": 12.345}
