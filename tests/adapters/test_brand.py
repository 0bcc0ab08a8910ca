"""Brands against the sandbox: write the example store's brands, read them back, update,
delete, recover a lost create, and refuse writes with a read-only token."""

from __future__ import annotations

import pytest

from reconciler.adapters.base import IdMaps
from reconciler.adapters.brand import adapter
from reconciler.kinds.brand import Brand
from reconciler.state import DeclaredState
from tests.adapters.conftest import (
    Harness,
    all_applied,
    create,
    delete,
    desired,
    differences,
    update,
)

pytestmark = pytest.mark.anyio


async def test_brands_written_read_back_equal(harness: Harness, declared: DeclaredState) -> None:
    items = list(declared.items["brand"].values())
    async with harness.context() as ctx:
        results = await adapter.write(ctx, [create(item) for item in items])
        all_applied(results)
        assert [r.key for r in results] == [item.key for item in items]
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        assert await harness.since(cursor) == [("GET", "/v3/catalog/brands")]
    assert set(live) == {item.match_key for item in items}
    for item in items:
        got = live[item.match_key]
        Brand.model_validate(got.data)
        assert differences(item, got) == []
        assert ctx.ids.id_of(adapter.kind, item.key) == got.ids["id"]


async def test_update_one_field_and_delete(harness: Harness, declared: DeclaredState) -> None:
    item = next(iter(declared.items["brand"].values()))
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [create(item)]))
        live = (await adapter.read(ctx))[item.match_key]
        values = {**desired(item.model), "page_title": "New title"}
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [update("brand", item.key, values, live,
                                                     [("page_title",)])]))
        assert await harness.since(cursor) == [("PUT", f"/v3/catalog/brands/{live.ids['id']}")]
        again = (await adapter.read(ctx))[item.match_key]
        assert again.data["page_title"] == "New title"
        assert again.data["meta_description"] == live.data["meta_description"]
        all_applied(await adapter.write(ctx, [delete("brand", again)]))
        assert await adapter.read(ctx) == {}
        # deleting what is already gone converges
        all_applied(await adapter.write(ctx, [delete("brand", again)]))


async def test_create_of_an_existing_brand_updates_it(
    harness: Harness, declared: DeclaredState
) -> None:
    item = next(iter(declared.items["brand"].values()))
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [create(item)]))
    # a second run whose plan still says "create" (its first answer was lost)
    async with harness.context(ids=IdMaps()) as ctx:
        results = await adapter.write(ctx, [create(item)])
        all_applied(results)
        assert len(await adapter.read(ctx)) == 1


async def test_a_refused_brand_fails_alone(harness: Harness, declared: DeclaredState) -> None:
    items = list(declared.items["brand"].values())[:3]
    await harness.fail({"status": 422, "method": "POST", "path": "/v3/catalog/brands"
                        , "count": 1})
    async with harness.context() as ctx:
        results = await adapter.write(ctx, [create(item) for item in items])
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == ["applied", "applied", "failed"]
    bad = next(r for r in results if r.outcome == "failed")
    assert bad.detail is not None and bad.detail.status == 422


async def test_a_read_only_token_reads_but_cannot_write(
    harness: Harness, declared: DeclaredState, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = next(iter(declared.items["brand"].values()))
    await harness.sandbox.create_store("teststore")
    await harness.sandbox.admin(
        "POST", "/stores/teststore/tokens",
        json={"token": "read-only-token-1", "scopes": {"store_v2_products": "read"}},
    )
    monkeypatch.setenv("SP_READONLY_TOKEN", "read-only-token-1")
    async with harness.context("readonly") as ctx:
        assert await adapter.read(ctx) == {}
        results = await adapter.write(ctx, [create(item)])
    assert results[0].outcome == "failed"
    assert results[0].detail is not None and results[0].detail.status == 403
    assert "store_v2_products" in results[0].message
