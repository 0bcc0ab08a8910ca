"""Property tests: any valid declared brand, category, product or price list, written to an
empty sandbox store by its adapter, reads back as a valid model that the planner finds
equal to the declaration (a plan would show nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.adapters.product_write import sort_orders
from reconciler.adapters.registry import adapter_for
from reconciler.config import effective_environment
from reconciler.kinds.category import join_path, parse_path
from reconciler.kinds.registry import kind_named
from reconciler.live import ClientOptions, connect
from reconciler.plan.canonical import canonical_declared, canonical_live, file_digest, rules_of
from reconciler.plan.differ import diff
from reconciler.plan.model import Change
from reconciler.sandbox.transport import open_sandbox, sandbox_transport
from tests.adapters.conftest import CONFIG, STATE_ROOT
from tests.strategies import raw_item_strategy

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IMAGES = "catalog/products/images"
IMAGE_FILES = sorted(p.name for p in (STATE_ROOT / IMAGES).iterdir())


def canonical(kind_name: str, raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The key and ``Change.desired`` of a raw declaration (image files taken as declared
    in ``catalog/products/x.yaml``)."""
    kind = kind_named(kind_name)
    model = kind.model.model_validate(raw)
    declared = canonical_declared(
        kind, model.model_dump(mode="json", exclude_unset=True),
        declared_in=lambda path: "catalog/products/x.yaml", digest=file_digest(STATE_ROOT),
    )
    return kind.key(model), declared


async def prepare(ctx: LiveContext, raw: dict[str, Any]) -> None:
    """Create what products refer to: ``brands`` and ``categories`` with their parents."""
    brands = {b.casefold(): b for b in raw.get("brands") or [] if b}
    for n, brand in enumerate(brands.values()):  # URLs no product custom_url can take
        await ctx.client.post("/v3/catalog/brands",
                              {"name": brand, "custom_url": {"url": f"/brand-entry-{n}/"}})
    names = [parse_path(p) for p in raw.get("categories") or []]
    paths = sorted({join_path(n[: i + 1]) for n in names for i in range(len(n))},
                   key=lambda p: len(parse_path(p)))
    categories = adapter_for("category")
    results = await categories.write(
        ctx, [Change("category", p, "create",  # URL segments longer than the
                     # strategy makes, so no product custom_url collides
                     desired={"path": p, "custom_url": f"/category-entry-{n}/"})
              for n, p in enumerate(paths)]
    )
    assert all(r.outcome == "applied" for r in results), [r.message for r in results]
    await adapter_for("brand").read(ctx)
    await categories.read(ctx)


def round_trip(kind_name: str, raw: dict[str, Any], before: Sequence[Change] = ()) -> None:
    """Write ``raw`` (after ``before``) to a fresh store, read it back, check it."""
    kind = kind_named(kind_name)
    key, declared = canonical(kind_name, raw)

    async def run() -> LiveItem:
        app = open_sandbox(":memory:")
        env = effective_environment(CONFIG, "staging")
        async with connect("staging", env, options=ClientOptions(seed=1),
                           transport=sandbox_transport(app)) as client:
            ctx = LiveContext(client, IdMaps(), env, state_root=STATE_ROOT)
            if kind_name == "product":
                await prepare(ctx, {"brands": [raw.get("brand")],
                                    "categories": raw.get("categories")})
            for change in before:
                done = await adapter_for(change.kind).write(ctx, [change])
                assert done[0].outcome == "applied", done[0].message
            adapter = adapter_for(kind_name)
            results = await adapter.write(ctx, [Change(kind_name, key, "create",
                                                       desired=declared)])
            assert [r.outcome for r in results] == ["applied"], results[0].message
            live = await adapter.read(ctx)
        app.db.close()
        return live[kind.match_key(key)]

    item = asyncio.run(run())
    data = dict(item.data)
    if kind_name == "product":
        data["images"] = [{k: v for k, v in i.items() if k != "sha256"}
                          for i in data.get("images", [])]
    kind.model.model_validate(data)
    assert diff(declared, canonical_live(kind, item.data), rules_of(kind)) == []


@PROPERTY
@given(raw=raw_item_strategy("brand"))
def test_any_brand_round_trips(raw: dict[str, Any]) -> None:
    round_trip("brand", raw)


@PROPERTY
@given(raw=raw_item_strategy("category"))
def test_any_top_level_category_round_trips(raw: dict[str, Any]) -> None:
    # parents first: covered by the example tests (a '/' inside the name stays)
    raw["path"] = join_path(parse_path(raw["path"])[:1])
    raw.pop("channel_id", None)  # the sandbox store has channel 1's tree only
    round_trip("category", raw)


@PROPERTY
@given(raw=raw_item_strategy("product"), files=st.lists(st.sampled_from(IMAGE_FILES),
                                                         max_size=3))
def test_any_product_round_trips(raw: dict[str, Any], files: list[str]) -> None:
    # the strategy's image files do not exist: use the example store's
    raw["images"] = [{**image, "file": f"images/{name}"}
                     for image, name in zip(raw.get("images") or [], files, strict=False)]
    product_assumptions(raw)
    round_trip("product", raw)


@PROPERTY
@given(raw=raw_item_strategy("price_list"))
def test_any_price_list_round_trips(raw: dict[str, Any]) -> None:
    skus = sorted({r["sku"].casefold(): r["sku"] for r in raw.get("records") or []}.values())
    products = [
        Change("product", sku, "create", desired={
            "sku": sku, "name": f"Product {sku}", "type": "physical", "price": "1",
            "weight": "1"})
        for sku in skus
    ]
    round_trip("price_list", raw, products)


def same_sku(raw: dict[str, Any], sku: str) -> dict[str, Any]:
    """``raw`` declared under ``sku`` (its variants' SKUs renamed to match)."""
    old = raw["sku"]
    out = {**raw, "sku": sku}
    if raw.get("variants"):
        out["variants"] = [{**v, "sku": sku + v["sku"][len(old):]} for v in raw["variants"]]
    return out


def product_assumptions(raw: dict[str, Any]) -> None:
    # Images that must share a sort order keep their creation order, which replacing one
    # of them changes (see product_write.sort_orders); the planner matches by position.
    orders = sort_orders(raw)
    assume(all(a < b for a, b in pairwise(orders)))
    # BigCommerce wants display names unique across options *and* modifiers (409); the
    # model checks each list on its own
    options = {o["display_name"].casefold() for o in raw.get("options") or []}
    assume(not any(m["display_name"].casefold() in options for m in raw.get("modifiers") or []))


def _rule(low: int, high: int) -> dict[str, Any]:
    return {"quantity_min": low, "quantity_max": high, "type": "price", "amount": Decimal("0")}


_PLAIN = {"sku": "AA-0", "name": "0", "type": "physical", "price": Decimal("0"),
          "weight": Decimal("0")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=raw_item_strategy("product"), second=raw_item_strategy("product"),
       files=st.lists(st.sampled_from(IMAGE_FILES), min_size=6, max_size=6))
# Found by this test: 1-unlimited split into 1-1 and 2-unlimited overlapped for a moment.
@example(first={**_PLAIN, "bulk_pricing_rules": [_rule(1, 0)]},
         second={**_PLAIN, "bulk_pricing_rules": [_rule(1, 1), _rule(2, 0)]},
         files=IMAGE_FILES[:1] * 6)
def test_any_product_updates_to_any_other(
    first: dict[str, Any], second: dict[str, Any], files: list[str]
) -> None:
    second = same_sku(second, first["sku"])
    for raw, names in ((first, files[:3]), (second, files[3:])):
        raw["images"] = [{**image, "file": f"images/{name}"}
                         for image, name in zip(raw.get("images") or [], names, strict=False)]
        product_assumptions(raw)
    # lists the second leaves out stay as the first made them: names must still be unique
    final = {name: second[name] if name in second else first.get(name)
             for name in ("options", "modifiers")}
    product_assumptions(final)
    kind = kind_named("product")
    key, before = canonical("product", first)
    _, after = canonical("product", second)

    async def run() -> dict[str, Any]:
        app = open_sandbox(":memory:")
        env = effective_environment(CONFIG, "staging")
        async with connect("staging", env, options=ClientOptions(seed=1),
                           transport=sandbox_transport(app)) as client:
            ctx = LiveContext(client, IdMaps(), env, state_root=STATE_ROOT)
            await prepare(ctx, {
                "brands": [first.get("brand"), second.get("brand")],
                "categories": [*(first.get("categories") or []),
                               *(second.get("categories") or [])],
            })
            adapter = adapter_for("product")
            created = await adapter.write(ctx, [Change("product", key, "create", desired=before)])
            assert created[0].outcome == "applied", created[0].message
            live = (await adapter.read(ctx))[kind.match_key(key)]
            fields = diff(after, canonical_live(kind, live.data), rules_of(kind))
            change = Change("product", key, "update", fields=tuple(fields), desired=after,
                            live_ids=dict(live.ids))
            updated = await adapter.write(ctx, [change])
            assert updated[0].outcome == "applied", updated[0].message
            again = (await adapter.read(ctx))[kind.match_key(key)]
        app.db.close()
        return dict(again.data)

    data = asyncio.run(run())
    assert diff(after, canonical_live(kind, data), rules_of(kind)) == []


def converge(kind_name: str, first: dict[str, Any], second: dict[str, Any],
             before: Sequence[Change] = ()) -> None:
    """Create ``first``, then update it to ``second`` (same key) with the change the
    planner computes; the store then plans to nothing."""
    kind = kind_named(kind_name)
    key, old = canonical(kind_name, first)
    _, new = canonical(kind_name, second)

    async def run() -> dict[str, Any]:
        app = open_sandbox(":memory:")
        env = effective_environment(CONFIG, "staging")
        async with connect("staging", env, options=ClientOptions(seed=1),
                           transport=sandbox_transport(app)) as client:
            ctx = LiveContext(client, IdMaps(), env, state_root=STATE_ROOT)
            for change in before:
                done = await adapter_for(change.kind).write(ctx, [change])
                assert done[0].outcome == "applied", done[0].message
            adapter = adapter_for(kind_name)
            made = await adapter.write(ctx, [Change(kind_name, key, "create", desired=old)])
            assert made[0].outcome == "applied", made[0].message
            live = (await adapter.read(ctx))[kind.match_key(key)]
            fields = diff(new, canonical_live(kind, live.data), rules_of(kind))
            change = Change(kind_name, key, "update", fields=tuple(fields), desired=new,
                            live_ids=dict(live.ids))
            done = await adapter.write(ctx, [change])
            assert done[0].outcome == "applied", done[0].message
            again = (await adapter.read(ctx))[kind.match_key(key)]
        app.db.close()
        return dict(again.data)

    assert diff(new, canonical_live(kind, asyncio.run(run())), rules_of(kind)) == []


@PROPERTY
@given(first=raw_item_strategy("brand"), second=raw_item_strategy("brand"))
def test_any_brand_updates_to_any_other(first: dict[str, Any], second: dict[str, Any]) -> None:
    converge("brand", first, {**second, "name": first["name"]})


@PROPERTY
@given(first=raw_item_strategy("category"), second=raw_item_strategy("category"))
def test_any_category_updates_to_any_other(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    path = join_path(parse_path(first["path"])[:1])
    for raw in (first, second):
        raw.pop("channel_id", None)
    converge("category", {**first, "path": path}, {**second, "path": path})


@PROPERTY
@given(first=raw_item_strategy("price_list"), second=raw_item_strategy("price_list"))
def test_any_price_list_updates_to_any_other(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    records = [*(first.get("records") or []), *(second.get("records") or [])]
    skus = sorted({r["sku"].casefold(): r["sku"] for r in records}.values())
    products = [
        Change("product", sku, "create", desired={
            "sku": sku, "name": f"Product {sku}", "type": "physical", "price": "1",
            "weight": "1"})
        for sku in skus
    ]
    converge("price_list", first, {**second, "name": first["name"]}, products)
