"""Categories against the sandbox's category trees: parents before children in one batch
per depth level, read back by path, updates, deletes, per-item failures, adoption."""

from __future__ import annotations

import math

import pytest

from reconciler.adapters.base import IdMaps
from reconciler.adapters.category import adapter
from reconciler.kinds.category import Category
from reconciler.state import DeclaredState
from tests.adapters.conftest import (
    Harness,
    all_applied,
    create,
    delete,
    differences,
    update,
)

pytestmark = pytest.mark.anyio
PATH = "/v3/catalog/trees/categories"


async def test_categories_written_by_depth_and_read_back(
    harness: Harness, declared: DeclaredState
) -> None:
    items = list(declared.items["category"].values())
    depths = {item.key.count("/") for item in items}
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item) for item in reversed(items)])
        all_applied(results)
        requests = await harness.since(cursor)
        # one tree lookup, one POST per depth level (each level fits one batch), then
        # StagingPro's ownership markers in one batch
        assert requests == [("GET", "/v3/catalog/trees")] + [("POST", PATH)] * len(depths) + [
            ("POST", "/v3/catalog/categories/metafields")]
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        assert await harness.since(cursor) == [("GET", "/v3/catalog/trees"), ("GET", PATH)]
    assert set(live) == {item.match_key for item in items}
    for item in items:
        got = live[item.match_key]
        Category.model_validate(got.data)
        assert differences(item, got) == []
        assert ctx.ids.id_of(adapter.kind, item.key) == got.ids["id"]


async def test_reading_many_categories_costs_one_request_per_250(harness: Harness) -> None:
    from reconciler.plan.model import Change

    names = [f"Cat {i:03d}" for i in range(260)]
    changes = [Change("category", n, "create", desired={"path": n}) for n in names]
    async with harness.context() as ctx:
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, changes))
        posts = await harness.since(cursor)
        assert posts.count(("POST", PATH)) == math.ceil(260 / 100)
        # StagingPro's ownership markers: batches of 50
        assert posts.count(("POST", "/v3/catalog/categories/metafields")) == math.ceil(260 / 50)
        cursor = await harness.mark()
        assert len(await adapter.read(ctx)) == 260
        gets = await harness.since(cursor)
        assert gets.count(("GET", PATH)) == math.ceil(260 / 250)


async def test_update_one_field_then_delete_a_subtree(
    harness: Harness, declared: DeclaredState
) -> None:
    items = [i for i in declared.items["category"].values() if i.key.startswith("Footwear")]
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [create(item) for item in items]))
        live = await adapter.read(ctx)
        trail = live["Footwear/Trail Running"]
        values = {**trail.data, "sort_order": 9, "custom_url": "/trail/"}
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [
            update("category", trail.key, values, trail, [("sort_order",), ("custom_url",)])
        ]))
        assert await harness.since(cursor) == [("PUT", PATH)]
        again = await adapter.read(ctx)
        assert again[trail.key].data["sort_order"] == 9
        assert again[trail.key].data["custom_url"] == "/trail/"
        assert again[trail.key].data["page_title"] == trail.data["page_title"]
        deletes = [delete("category", again[key]) for key in again]
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, deletes))
        assert await harness.since(cursor) == [("DELETE", PATH)]
        assert await adapter.read(ctx) == {}


async def test_a_bad_item_fails_alone_and_children_of_a_failed_parent_fail(
    harness: Harness,
) -> None:
    from reconciler.plan.model import Change

    taken = Change("category", "Maps", "create", desired={"path": "Maps", "custom_url": "/x/"})
    clash = Change("category", "Books", "create", desired={"path": "Books", "custom_url": "/x/"})
    child = Change("category", "Books/Guides", "create", desired={"path": "Books/Guides"})
    fine = Change("category", "Stoves", "create", desired={"path": "Stoves"})
    async with harness.context() as ctx:
        results = await adapter.write(ctx, [taken, clash, child, fine])
    outcome = {r.key: r.outcome for r in results}
    assert outcome == {"Maps": "applied", "Books": "failed", "Books/Guides": "failed",
                       "Stoves": "applied"}
    assert "already in use" in results[1].message
    assert "parent category 'Books'" in results[2].message


async def test_a_repeated_create_adopts_the_existing_category(
    harness: Harness, declared: DeclaredState
) -> None:
    items = [i for i in declared.items["category"].values() if i.key.startswith("Clothing")]
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [create(item) for item in items]))
    async with harness.context(ids=IdMaps()) as ctx:
        await adapter.read(ctx)  # the parents are known; the plan still says "create"
        all_applied(await adapter.write(ctx, [create(item) for item in items]))
        assert len(await adapter.read(ctx)) == len(items)


async def test_a_refused_create_is_never_adopted_onto_a_sibling_of_another_case(
    harness: Harness,
) -> None:
    from reconciler.plan.model import Change

    changes = [
        Change("category", path, "create", desired={"path": path, "description": path})
        for path in ("Cafe", "CAFE")
    ]
    async with harness.context() as ctx:
        results = await adapter.write(ctx, changes)
        assert [(r.key, r.outcome) for r in results] == [("Cafe", "applied"), ("CAFE", "failed")]
        assert "not created" in results[1].message
        live = await adapter.read(ctx)
    # The one live category is still exactly the first declaration.
    assert list(live) == ["Cafe"]
    assert live["Cafe"].data["description"] == "Cafe"


async def test_a_repeated_create_adopts_only_the_exact_name(harness: Harness) -> None:
    from reconciler.plan.model import Change

    path = r"Tents\/Tarps"
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [Change("category", path, "create",
                                                     desired={"path": path})]))
    async with harness.context(ids=IdMaps()) as ctx:  # as if the first answer was lost
        results = await adapter.write(ctx, [
            Change("category", path, "create", desired={"path": path, "sort_order": 4}),
            Change("category", r"TENTS\/TARPS", "create", desired={"path": r"TENTS\/TARPS"}),
        ])
        assert [r.outcome for r in results] == ["applied", "failed"]
        live = await adapter.read(ctx)
    assert list(live) == [path]
    assert live[path].data["sort_order"] == 4


async def test_another_channels_tree_is_keyed_by_channel(harness: Harness) -> None:
    from reconciler.plan.model import Change

    async with harness.context() as ctx:
        await ctx.client.put("/v3/catalog/trees", [{"name": "Wholesale", "channels": [2]}])
        results = await adapter.write(ctx, [
            Change("category", "channel:2/Bulk", "create",
                   desired={"path": "Bulk", "channel_id": 2}),
            Change("category", "channel:2/Bulk/Fuel", "create",
                   desired={"path": "Bulk/Fuel", "channel_id": 2}),
        ])
        all_applied(results)
        live = await adapter.read(ctx)
    assert set(live) == {"channel:2/Bulk", "channel:2/Bulk/Fuel"}
    assert live["channel:2/Bulk/Fuel"].data["channel_id"] == 2
