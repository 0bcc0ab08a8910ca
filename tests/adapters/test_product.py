"""Products against the sandbox: the example store's catalogue written and read back equal,
request counts of reads and writes, single-field updates, keyed-list edits, image files
recorded by hash, deletes, bisection of a refused batch, adoption of an existing product."""

from __future__ import annotations

import math
import shutil
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.adapters.brand import adapter as brands
from reconciler.adapters.category import adapter as categories
from reconciler.adapters.product import adapter
from reconciler.kinds.product import Product
from reconciler.plan.build import compute_plan
from reconciler.plan.canonical import canonical_declared, canonical_live, file_digest, rules_of
from reconciler.plan.differ import diff
from reconciler.plan.model import ABSENT, Change, FieldChange
from reconciler.state import DeclaredState
from tests.adapters.conftest import (
    STATE_ROOT,
    Harness,
    all_applied,
    create,
    declared_json,
    delete,
    differences,
    planned_update,
    seed_references,
    update,
)

pytestmark = pytest.mark.anyio
PRODUCTS = "/v3/catalog/products"


def model_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """Live data without the hash fields the adapter adds beside image files."""
    out = dict(data)
    out["images"] = [{k: v for k, v in i.items() if k != "sha256"} for i in data.get("images", [])]
    if "variants" in data:
        out["variants"] = [{k: v for k, v in vt.items() if k != "image_sha256"}
                           for vt in data["variants"]]
    return out


async def test_example_products_written_and_read_back_equal(
    harness: Harness, declared: DeclaredState
) -> None:
    items = list(declared.items["product"].values())
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        results = await adapter.write(ctx, [create(i, canonical=True) for i in items])
        all_applied(results)
    async with harness.context() as ctx:
        ctx.declared_keys = {"product": frozenset(i.match_key for i in items)}
        await brands.read(ctx)
        await categories.read(ctx)
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        requests = await harness.since(cursor, query=True)
    assert set(live) == {i.match_key for i in items}
    for item in items:
        got = live[item.match_key]
        assert got.owned
        Product.model_validate(model_view(got.data))
        assert differences(item, got) == [], item.key
    # 1 page of products, 1 of metafields, ceil(40/10) of options and modifiers
    assert len(requests) == 1 + 1 + math.ceil(len(items) / 10), requests


async def write_example(harness: Harness, declared: DeclaredState) -> dict[str, LiveItem]:
    """The example catalogue written to the store; its live products, read back."""
    items = list(declared.items["product"].values())
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        all_applied(await adapter.write(ctx, [create(i, canonical=True) for i in items]))
        return dict(await adapter.read(ctx))


async def read_all(ctx: LiveContext) -> dict[str, LiveItem]:
    await brands.read(ctx)
    await categories.read(ctx)
    return dict(await adapter.read(ctx))


async def test_updating_k_prices_costs_ceil_k_over_10_puts(
    harness: Harness, declared: DeclaredState
) -> None:
    live = await write_example(harness, declared)
    keys = sorted(live)[:23]
    changes = []
    for key in keys:
        item = live[key]
        values = {**item.data, "price": "1.5"}
        changes.append(update("product", item.key, values, item, [("price",)]))
    async with harness.context() as ctx:
        await read_all(ctx)
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, changes))
        assert await harness.since(cursor) == [("PUT", PRODUCTS)] * math.ceil(23 / 10)
        again = await adapter.read(ctx)
    for key in keys:
        assert again[key].data["price"] == 1.5
        assert again[key].data["name"] == live[key].data["name"]


async def test_a_refused_product_in_a_batch_fails_alone(
    harness: Harness, declared: DeclaredState
) -> None:
    live = await write_example(harness, declared)
    keys = sorted(live)[:10]
    bad = live[keys[3]].key
    taken = live[sorted(live)[-1]].data["name"]  # another product's name: a 409 for the batch
    changes = [
        update("product", live[k].key,
               {**live[k].data, "name": taken if live[k].key == bad else f"Renamed {k}"},
               live[k], [("name",)])
        for k in keys
    ]
    async with harness.context() as ctx:
        await read_all(ctx)
        cursor = await harness.mark()
        results = await adapter.write(ctx, changes)
        requests = await harness.since(cursor)
        again = await adapter.read(ctx)
    failed = [r for r in results if r.outcome == "failed"]
    assert [r.key for r in failed] == [bad]
    assert failed[0].detail is not None and failed[0].detail.status == 409
    assert all(again[k].data["name"] == f"Renamed {k}" for k in keys if live[k].key != bad)
    # 1 refused batch of 10, then halves: 5 (refused) + 5, 2 + 3 (refused), 1 + 2 (refused), 1 + 1
    assert len(requests) == 9


async def test_variant_edits_batch_and_keyed_lists_converge(
    harness: Harness, declared: DeclaredState
) -> None:
    item = declared.get("product", "HIKE-01")
    assert item is not None
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
    values = dict(create(item, canonical=True).desired or {})
    variants = [dict(v) for v in values["variants"]]
    for variant in variants:
        variant["price"] = "150"
    removed_sku = variants.pop()["sku"]
    values["variants"] = variants
    values["custom_fields"] = [{"name": "Membrane", "value": "2-layer"}]
    values["bulk_pricing_rules"] = [
        {"quantity_min": 2, "quantity_max": 0, "type": "percent", "amount": "5"}
    ]
    values["modifiers"] = [{"display_name": "Engraving", "type": "text", "required": False}]
    async with harness.context() as ctx:
        live = (await read_all(ctx))["hike-01"]
        changed: list[tuple[Any, ...]] = [("variants", v["sku"], "price") for v in variants]
        changed += [("custom_fields", "Membrane", "value"), ("bulk_pricing_rules", 2),
                    ("modifiers", "Engraving")]
        change = update("product", "HIKE-01", values, live, changed,
                        removed=[("variants", removed_sku), ("custom_fields", "Upper")])
        change = _with_added(change, [("bulk_pricing_rules", 2), ("modifiers", "Engraving")])
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [change]))
        requests = await harness.since(cursor)
        again = (await adapter.read(ctx))["hike-01"]
    assert requests.count(("PUT", "/v3/catalog/variants")) == 1
    assert sorted(v["sku"] for v in again.data["variants"]) == sorted(v["sku"] for v in variants)
    assert {v["price"] for v in again.data["variants"]} == {150}
    assert again.data["custom_fields"] == [{"name": "Membrane", "value": "2-layer"}]
    assert again.data["bulk_pricing_rules"][0]["quantity_min"] == 2
    assert again.data["modifiers"][0]["display_name"] == "Engraving"


def _with_added(change: Change, paths: list[tuple[Any, ...]]) -> Change:
    """``change`` with the given paths marked as additions (``before`` absent)."""
    fields = [f for f in change.fields if f.path not in paths]
    fields += [FieldChange(p, ABSENT, "new") for p in paths]
    return replace(change, fields=tuple(fields))


async def test_an_unchanged_image_file_plans_nothing_and_a_changed_one_is_replaced(
    harness: Harness, declared: DeclaredState, tmp_path: Any
) -> None:
    item = declared.get("product", "MUG-01") or next(iter(declared.items["product"].values()))
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
        live = (await read_all(ctx))[item.match_key]
    assert differences(item, live) == []
    first = live.data["images"][0]
    assert first["file"].startswith("catalog/products/images/") and len(first["sha256"]) == 64
    # the same declaration over a changed file: the hash differs, so the image is replaced
    root = tmp_path / "state"
    shutil.copytree(STATE_ROOT, root)
    image_path = root / first["file"]
    other = next(p for p in image_path.parent.iterdir() if p.name != image_path.name)
    image_path.write_bytes(other.read_bytes())
    data = item.model.model_dump(mode="json", exclude_unset=True)
    wanted = canonical_declared(item.kind, data,
                                declared_in=lambda p: item.declared_at(p).file,
                                digest=file_digest(root))
    assert wanted["images"][0]["sha256"] != first["sha256"]
    change = update("product", item.key, wanted, live, [("images", 0, "sha256")])
    async with harness.context() as ctx:
        ctx = replace(ctx, state_root=root)
        await read_all(ctx)
        all_applied(await adapter.write(ctx, [change]))
        again = (await adapter.read(ctx))[item.match_key]
    assert again.data["images"][0]["sha256"] == wanted["images"][0]["sha256"]
    assert len(again.data["images"]) == len(live.data["images"])


async def test_deletes_take_250_ids_a_request(harness: Harness, declared: DeclaredState) -> None:
    live = await write_example(harness, declared)
    async with harness.context() as ctx:
        await read_all(ctx)
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [delete("product", i) for i in live.values()]))
        assert await harness.since(cursor) == [("DELETE", PRODUCTS)]
        assert await adapter.read(ctx) == {}


async def test_a_create_of_an_existing_product_converges_it(
    harness: Harness, declared: DeclaredState
) -> None:
    item = declared.get("product", "HIKE-01")
    assert item is not None
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
        await ctx.client.put(PRODUCTS, [{"id": ctx.ids.id_of(adapter.kind, "HIKE-01"),
                                         "price": 1}])
    async with harness.context(ids=IdMaps()) as ctx:
        await brands.read(ctx)
        await categories.read(ctx)
        # the plan still says "create": its first answer was lost
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
        live = await adapter.read(ctx)
    assert list(live) == ["hike-01"]
    assert differences(item, live["hike-01"]) == []


async def test_a_read_only_token_reads_products_but_cannot_write(
    harness: Harness, declared: DeclaredState, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = await write_example(harness, declared)
    await harness.sandbox.admin(
        "POST", "/stores/teststore/tokens",
        json={"token": "read-only-token-2", "scopes": {"store_v2_products": "read"}},
    )
    monkeypatch.setenv("SP_READONLY_TOKEN", "read-only-token-2")
    item = next(iter(live.values()))
    async with harness.context("readonly") as ctx:
        assert set(await read_all(ctx)) == set(live)
        results = await adapter.write(ctx, [update("product", item.key, {"price": "2"}, item,
                                                   [("price",)])])
    assert results[0].outcome == "failed"
    assert results[0].detail is not None and results[0].detail.status == 403


async def test_options_and_modifiers_are_read_only_for_declared_products(
    harness: Harness, declared: DeclaredState
) -> None:
    await write_example(harness, declared)
    async with harness.context() as ctx:
        ctx.declared_keys = {"product": frozenset({"hike-01"})}
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        assert len(await harness.since(cursor)) == 3  # products, metafields, 1 detail batch
        assert live["hike-01"].data["options"]
        others = [item for key, item in live.items() if key != "hike-01"]
        assert all("options" not in i.data and "modifiers" not in i.data for i in others)
        ctx.declared_keys = {"product": frozenset()}
        cursor = await harness.mark()
        await adapter.read(ctx)
        assert len(await harness.since(cursor)) == 2


async def test_options_and_modifiers_are_read_only_where_the_yaml_declares_them(
    harness: Harness, declared: DeclaredState
) -> None:
    await write_example(harness, declared)
    items = declared.items["product"]
    with_choices = {
        match for match, item in items.items()
        if {"options", "modifiers"} & item.model.model_fields_set
    }
    assert 0 < len(with_choices) < len(items)
    async with harness.context() as ctx:
        ctx.declared_keys = {"product": frozenset(items)}
        ctx.declared_fields = {
            "product": {m: frozenset(i.model.model_fields_set) for m, i in items.items()}
        }
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        # products, metafields, and one detail batch per 10 products declaring choices
        assert len(await harness.since(cursor)) == 2 + math.ceil(len(with_choices) / 10)
    assert {key for key, item in live.items() if "options" in item.data} <= with_choices


async def test_option_value_edits_as_the_planner_diffs_them(
    harness: Harness, declared: DeclaredState
) -> None:
    item = declared.get("product", "HIKE-01")
    assert item is not None
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        all_applied(await adapter.write(ctx, [create(item, canonical=True)]))
    wanted = declared_json(item)
    colour = next(o for o in wanted["options"] if o["display_name"] == "Colour")
    colour["values"] = [
        {"label": "Graphite", "sort_order": 0, "is_default": True,
         "value_data": {"colors": ["#111111"]}},
        {"label": "Moss", "sort_order": 1, "value_data": {"colors": ["#4A5D23"]}},
    ]
    variants = [v for v in wanted["variants"] if v["option_values"]["Colour"] != "Ochre"]
    variants.append({"sku": "HIKE-01-9-MOS", "option_values": {"Size": "9", "Colour": "Moss"},
                     "inventory_level": 3})
    variants[0] = {**variants[0], "inventory_level": 40}
    wanted["variants"] = variants
    wanted["modifiers"] = [{"display_name": "Gift wrap", "type": "checkbox", "required": False}]
    wanted["custom_fields"] = [{"name": "Membrane", "value": "3-layer waterproof"},
                               {"name": "Sole", "value": "Vibram"}]
    async with harness.context() as ctx:
        live = (await read_all(ctx))["hike-01"]
        change = planned_update(adapter.kind, wanted, live)
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [change]))
        requests = await harness.since(cursor)
        again = (await adapter.read(ctx))["hike-01"]
    after = diff(wanted, canonical_live(adapter.kind, again.data), rules_of(adapter.kind))
    assert after == []
    # added and changed variants of the product went in one batch; the option was updated
    # whole with its values, the value no longer declared deleted
    assert requests.count(("PUT", "/v3/catalog/variants")) == 1
    assert ("PUT", "/v3/catalog/products/1/options/2") in requests
    assert ("DELETE", "/v3/catalog/products/1/options/2/values/3") in requests
    assert ("GET", "/v3/catalog/products/metafields") not in requests  # no image changed


async def test_a_create_costs_one_post_when_the_options_come_out_as_declared(
    harness: Harness,
) -> None:
    desired: dict[str, Any] = {
        "sku": "CAP-01", "name": "Cap", "type": "physical", "price": "20", "weight": "0.1",
        "options": [{"display_name": "Size", "type": "radio_buttons", "values": [
            {"label": "S", "sort_order": 0}, {"label": "L", "sort_order": 1}]}],
        "variants": [{"sku": f"CAP-01-{s}", "option_values": {"Size": s}} for s in "SL"],
        "custom_fields": [{"name": "Fabric", "value": "Cotton"}],
    }
    async with harness.context() as ctx:
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [Change("product", "CAP-01", "create",
                                                     desired=desired)]))
        assert await harness.since(cursor) == [
            ("POST", PRODUCTS), ("POST", "/v3/catalog/products/metafields")]
        live = (await adapter.read(ctx))["cap-01"]
    assert diff(desired, canonical_live(adapter.kind, live.data), rules_of(adapter.kind)) == []


async def test_mixed_images_keep_the_declared_order_through_a_replacement(
    harness: Harness,
) -> None:
    folder = "catalog/products/images"
    files = sorted(p.name for p in (STATE_ROOT / folder).iterdir())[:2]
    digest = file_digest(STATE_ROOT)
    images: list[dict[str, Any]] = [
        {"file": f"{folder}/{files[0]}", "sha256": digest(f"{folder}/{files[0]}")},
        {"url": "https://cdn.example.com/b.jpg", "description": "B"},
        {"file": f"{folder}/{files[1]}", "sha256": digest(f"{folder}/{files[1]}")},
    ]
    desired: dict[str, Any] = {"sku": "PIC-01", "name": "Pictures", "type": "physical",
                               "price": "1", "weight": "1", "images": images}
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [Change("product", "PIC-01", "create",
                                                     desired=desired)]))
        live = (await adapter.read(ctx))["pic-01"]
        assert diff(desired, canonical_live(adapter.kind, live.data), rules_of(adapter.kind)) == []
        replaced = {**desired, "images": [images[0], {"url": "https://cdn.example.com/d.jpg"},
                                          images[2]]}
        change = planned_update(adapter.kind, replaced, live)
        all_applied(await adapter.write(ctx, [change]))
        again = (await adapter.read(ctx))["pic-01"]
    assert diff(replaced, canonical_live(adapter.kind, again.data), rules_of(adapter.kind)) == []
    assert [i.get("url") for i in again.data["images"]] == [
        None, "https://cdn.example.com/d.jpg", None]


def _pruning_plan(declared: DeclaredState, live: Mapping[str, LiveItem], env: Any,
                  dropped: set[str]) -> dict[str, Change]:
    """The plan of ``declared`` without the products ``dropped`` (match keys) against
    ``live``, with prune mode ``all`` for products: its product changes by key."""
    kept = {k: i for k, i in declared.items["product"].items() if k not in dropped}
    state = replace(declared, items={**declared.items, "product": kept})
    plan = compute_plan(state, {"product": live}, replace(env, prune={**env.prune,
                                                                      "product": "all"}),
                        kinds=[adapter.kind])
    return {c.key.casefold(): c for c in plan.changes}


async def test_protect_is_kept_in_the_store_so_a_removed_product_is_never_pruned(
    harness: Harness, declared: DeclaredState
) -> None:
    gift, hike = declared.get("product", "GIFT-01"), declared.get("product", "HIKE-01")
    assert gift is not None and hike is not None and gift.model.protect is True
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        all_applied(await adapter.write(ctx, [create(gift, canonical=True),
                                              create(hike, canonical=True)]))
    async with harness.context() as ctx:
        await brands.read(ctx)
        await categories.read(ctx)
        cursor = await harness.mark()
        live = dict(await adapter.read(ctx))
        # the flag comes with the metafields already read: a page of products, one of
        # metafields, one batch of options and modifiers (no declared keys: all products)
        assert len(await harness.since(cursor)) == 3
        env = ctx.environment
    assert live["gift-01"].data["protect"] is True and "protect" not in live["hike-01"].data
    assert planned_update(adapter.kind, declared_json(gift), live["gift-01"]).fields == ()
    # both removed from the YAML: the protected one is a blocked delete, the other goes
    changes = _pruning_plan(declared, live, env, {"gift-01", "hike-01"})
    assert changes["gift-01"].action == "delete" and changes["gift-01"].blocked
    assert changes["hike-01"].action == "delete" and changes["hike-01"].blocked is None
    async with harness.context() as ctx:
        await read_all(ctx)
        all_applied(await adapter.write(ctx, [c for c in changes.values()
                                              if c.action == "delete" and c.blocked is None]))
        again = await read_all(ctx)
    assert "hike-01" not in again and again["gift-01"].data["protect"] is True


async def test_protect_is_recorded_when_set_and_removed_only_by_protect_false(
    harness: Harness, declared: DeclaredState
) -> None:
    hike = declared.get("product", "HIKE-01")
    assert hike is not None
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        all_applied(await adapter.write(ctx, [create(hike, canonical=True)]))
        env = ctx.environment
    values = declared_json(hike)
    steps: list[tuple[dict[str, Any], bool]] = [
        ({**values, "protect": True}, True),
        (values, True),  # left out of the YAML: the store keeps it
        ({**values, "protect": False}, False),
    ]
    async with harness.context() as ctx:
        live = (await read_all(ctx))["hike-01"]
        assert planned_update(adapter.kind, {**values, "protect": False}, live).fields == ()
        for wanted, protected in steps:
            change = planned_update(adapter.kind, wanted, live)
            if change.fields:
                all_applied(await adapter.write(ctx, [change]))
            live = (await read_all(ctx))["hike-01"]
            assert live.data.get("protect", False) is protected, wanted.get("protect")
            assert planned_update(adapter.kind, wanted, live).fields == ()
    deleted = _pruning_plan(declared, {"hike-01": live}, env, {"hike-01"})["hike-01"]
    assert deleted.action == "delete" and deleted.blocked is None


async def test_reading_streams_pages_with_the_same_requests_and_forward_references(
    harness: Harness,
) -> None:
    """Products on two pages; options read for 5 declared products on each page cost one
    batch (batches fill across pages), and a product-list option naming a product of the
    next page still reads back by SKU."""
    skus = [f"PAGE-{i:03}" for i in range(262)]
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [
            Change("product", sku, "create", desired={
                "sku": sku, "name": f"Paged {sku}", "type": "physical", "price": "1",
                "weight": "1"})
            for sku in skus
        ]))
        live = await adapter.read(ctx)
        first, last = live["page-000"], live["page-261"]
        values = {"sku": first.key, "name": first.data["name"], "type": "physical",
                  "options": [{"display_name": "Pick", "type": "product_list", "values": [
                      {"label": "Last", "value_data": {"product": last.key}}]}]}
        all_applied(await adapter.write(ctx, [planned_update(adapter.kind, values, first)]))
    declared = {s.casefold() for s in skus[:5] + skus[-5:]}
    async with harness.context() as ctx:
        ctx.declared_keys = {"product": frozenset(declared)}
        cursor = await harness.mark()
        again = await adapter.read(ctx)
        requests = await harness.since(cursor)
    assert len(again) == 262 and all(("options" in again[k].data) == (k in declared)
                                     for k in again)
    assert again["page-000"].data["options"][0]["values"][0]["value_data"] == {
        "product": "PAGE-261"}
    # 2 pages of products, 2 of metafields (262 ownership markers), 1 batch of 10 options
    # and modifiers
    assert sorted(requests) == sorted([("GET", PRODUCTS)] * 3
                                      + [("GET", "/v3/catalog/products/metafields")] * 2)


async def test_a_protected_create_of_a_product_the_store_has_records_each_metafield_once(
    harness: Harness, declared: DeclaredState
) -> None:
    gift = declared.get("product", "GIFT-01")
    assert gift is not None and gift.model.protect is True
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        # made outside StagingPro: no metafields, so adopting it creates them
        await ctx.client.post(PRODUCTS, {"sku": "GIFT-01", "name": "Old gift card",
                                         "type": "digital", "price": 5, "weight": 0})
        all_applied(await adapter.write(ctx, [create(gift, canonical=True)]))
        live = (await read_all(ctx))["gift-01"]
        listed = await ctx.client.paginate_v3("/v3/catalog/products/metafields",
                                              {"resource_id:in": [live.ids["id"]]})
    assert live.owned and live.data["protect"] is True and differences(gift, live) == []
    assert sorted(m["key"] for m in listed) == ["images", "managed", "protect"]


async def test_adopting_a_product_the_store_has_leaves_its_create_only_stock_alone(
    harness: Harness, declared: DeclaredState
) -> None:
    lamp = declared.get("product", "LAMP-01")
    assert lamp is not None and lamp.model.inventory_level == 85
    async with harness.context() as ctx:
        await seed_references(ctx, declared)
        # Made (and partly sold) outside StagingPro between the plan and the apply.
        await ctx.client.post(PRODUCTS, {"sku": "LAMP-01", "name": "Old lamp", "type": "physical",
                                         "price": 5, "weight": 0, "inventory_tracking": "product",
                                         "inventory_level": 3})
        all_applied(await adapter.write(ctx, [create(lamp, canonical=True)]))
        live = (await read_all(ctx))["lamp-01"]
    assert live.data["inventory_level"] == 3
    assert [f.path for f in differences(lamp, live)] == [("inventory_level",)]


@pytest.mark.parametrize("tracking", [None, "none", "product"])
async def test_variant_stock_without_variant_tracking_is_kept_and_plans_nothing(
    harness: Harness, tracking: str | None
) -> None:
    # product-variants_catalog.v3.yml: a variant's inventory_level "is used when the
    # product's inventory_tracking is set to variant"; the store accepts and keeps it
    # under any tracking, so a declared level must compare equal, not plan forever.
    raw: dict[str, Any] = {
        "sku": "STOCK-01", "name": "Stocked", "type": "physical", "price": 5, "weight": 1,
        "options": [{"display_name": "Size", "type": "dropdown",
                     "values": [{"label": "S"}, {"label": "M"}]}],
        "variants": [
            {"sku": "STOCK-01-S", "option_values": {"Size": "S"}, "inventory_level": 3,
             "inventory_warning_level": 1},
            {"sku": "STOCK-01-M", "option_values": {"Size": "M"}, "inventory_level": 0},
        ],
    }
    if tracking is not None:
        raw["inventory_tracking"] = tracking
    values = Product.model_validate(raw).model_dump(mode="json", exclude_unset=True)
    kind = adapter.kind
    desired = canonical_declared(kind, values, declared_in=lambda _: "p.yaml",
                                 digest=file_digest(STATE_ROOT))
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [Change(kind.name, "STOCK-01", "create",
                                                     desired=desired)]))
        live = await adapter.read(ctx)
        product_id = ctx.ids.id_of(kind, "STOCK-01")
        stored = await ctx.client.get(f"{PRODUCTS}/{product_id}/variants")
    assert diff(desired, canonical_live(kind, live["stock-01"].data), rules_of(kind)) == []
    levels = {v["sku"]: (v["inventory_level"], v["inventory_warning_level"])
              for v in stored["data"]}
    assert levels == {"STOCK-01-S": (3, 1), "STOCK-01-M": (0, 0)}
