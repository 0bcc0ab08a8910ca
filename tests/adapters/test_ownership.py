"""StagingPro's ownership marker on brands and categories (prune mode ``owned``): what it
creates is marked in one batch request, a hand-made item is not, and the markers are read
(one request) only where the environment prunes the kind in mode ``owned``."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from reconciler.adapters import brand, category
from reconciler.adapters.base import Adapter, LiveContext
from reconciler.state import DeclaredState
from tests.adapters.conftest import Harness, all_applied, create

pytestmark = pytest.mark.anyio

CASES = [
    pytest.param(brand.adapter, "brands", "/v3/catalog/brands", {"name": "Hand Made"},
                 id="brand"),
    pytest.param(category.adapter, "categories", "/v3/catalog/trees/categories",
                 [{"name": "Hand Made", "tree_id": 1}], id="category"),
]


def pruning_owned(ctx: LiveContext, kind: str) -> LiveContext:
    environment = dataclasses.replace(
        ctx.environment, prune={**ctx.environment.prune, kind: "owned"}
    )
    return dataclasses.replace(ctx, environment=environment)


@pytest.mark.parametrize(("adapter", "resource", "path", "by_hand"), CASES)
async def test_created_items_are_marked_and_hand_made_ones_are_not(
    harness: Harness, declared: DeclaredState, adapter: Adapter, resource: str, path: str,
    by_hand: Any,
) -> None:
    items = list(declared.items[adapter.kind.name].values())
    metafields = f"/v3/catalog/{resource}/metafields"
    async with harness.context() as ctx:
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [create(item) for item in items]))
        assert (await harness.since(cursor)).count(("POST", metafields)) == 1
        await ctx.client.post(path, by_hand)

        cursor = await harness.mark()
        plain = await adapter.read(ctx)
        assert ("GET", metafields) not in await harness.since(cursor)  # not pruning owned
        assert not any(item.owned for item in plain.values())

        cursor = await harness.mark()
        live = await adapter.read(pruning_owned(ctx, adapter.kind.name))
        assert (await harness.since(cursor)).count(("GET", metafields)) == 1
    assert {match for match, item in live.items() if item.owned} == {
        item.match_key for item in items
    }
    assert live[adapter.kind.match_key("Hand Made")].owned is False


@pytest.mark.parametrize(("adapter", "resource", "path", "by_hand"), CASES)
async def test_a_marker_that_cannot_be_written_fails_the_create_and_says_why(
    harness: Harness, declared: DeclaredState, adapter: Adapter, resource: str, path: str,
    by_hand: Any,
) -> None:
    item = next(i for i in declared.items[adapter.kind.name].values() if "/" not in i.key)
    await harness.fail({"status": 422, "method": "POST", "path": f"/v3/catalog/{resource}/*"})
    async with harness.context() as ctx:
        (result,) = await adapter.write(ctx, [create(item)])
        assert result.outcome == "failed"
        assert "was created, but StagingPro's ownership marker could not be written" in (
            result.message)
        live = await adapter.read(pruning_owned(ctx, adapter.kind.name))
    # The item exists (the create itself applied) and is not taken for StagingPro's.
    assert live[item.match_key].owned is False
