"""The catalogue generator: deterministic, realistic, and created exactly as the API creates."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.seed import (
    MAX_PRODUCTS,
    catalogue_json,
    generate_catalogue,
    iter_products,
    product_seed,
    seed_store,
)
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import create_store
from tests.sandbox.conftest import StoreClient

INCLUDE = "variants,images,custom_fields,bulk_pricing_rules"


def test_the_same_seed_gives_the_same_catalogue() -> None:
    assert catalogue_json(generate_catalogue(40, seed=3)) == catalogue_json(
        generate_catalogue(40, seed=3)
    )
    assert catalogue_json(generate_catalogue(40, seed=3)) != catalogue_json(
        generate_catalogue(40, seed=4)
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    start=st.integers(0, MAX_PRODUCTS - 40),
    count=st.integers(0, 20),
    before=st.integers(0, 10),
    after=st.integers(0, 10),
)
def test_product_i_is_the_same_whatever_the_range(
    seed: int, start: int, count: int, before: int, after: int
) -> None:
    window = [p.payload for p in iter_products(count, seed, start)]
    lower = max(0, start - before)
    wider = [p.payload for p in iter_products(start - lower + count + after, seed, lower)]
    assert window == wider[start - lower : start - lower + count]
    assert [p["sku"] for p in window] == [f"SP{seed}-{i:06d}" for i in range(start, start + count)]


def test_large_catalogues_use_more_brands() -> None:
    small = generate_catalogue(200, seed=1)
    assert len(small.brands) <= 8
    late = {product_seed(1, i).brand for i in range(40_000, 40_400)}
    assert len(late) > 60


def test_products_look_like_a_real_catalogue() -> None:
    catalogue = generate_catalogue(400, seed=1)
    leaves = {n.path for n in catalogue.categories} - {n.parent for n in catalogue.categories}
    all_skus: list[str] = []
    with_variants = 0
    for item in catalogue.products:
        payload = item.payload
        assert item.brand in catalogue.brands and item.category in leaves
        assert payload["type"] == "physical" and payload["price"] > 0 and payload["weight"] > 0
        assert 1 <= len(payload["images"]) <= 3
        assert payload["images"][0]["is_thumbnail"] is True
        assert {f["name"] for f in payload["custom_fields"]} == {"Material", "Season"}
        all_skus.append(payload["sku"])
        variants = payload.get("variants", [])
        if variants:
            with_variants += 1
            combos = {tuple(v["label"] for v in variant["option_values"]) for variant in variants}
            assert len(combos) == len(variants) >= 2  # size x colour, all distinct
            all_skus.extend(v["sku"] for v in variants)
    assert len({s.lower() for s in all_skus}) == len(all_skus)
    assert 0.5 < with_variants / len(catalogue.products) < 0.95
    assert any("bulk_pricing_rules" in p.payload for p in catalogue.products)
    assert len({p.payload["name"] for p in catalogue.products}) == len(catalogue.products)


def _strip_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _strip_times(v)
            for k, v in value.items()
            if not k.startswith("date_") and k != "category_uuid"
        }
    if isinstance(value, list):
        return [_strip_times(v) for v in value]
    return value


def _seeded(db: SandboxDB, store_hash: str, count: int, seed: int) -> list[dict[str, Any]]:
    app = SandboxApp(db)
    create_store(db, store_hash)
    report = asyncio.run(seed_store(app, store_hash, count, seed=seed))
    assert report.products == count
    with TestClient(app) as http:
        client = StoreClient(http, store_hash)
        body = client.get("/v3/catalog/products", params={"limit": 250, "include": INCLUDE})
        assert body.status_code == 200
        products: list[dict[str, Any]] = body.json()["data"]
        brands = client.get("/v3/catalog/brands", params={"limit": 250}).json()["data"]
        assert {b["id"] for b in brands} >= {p["brand_id"] for p in products}
    return products


def test_seeding_through_the_api_is_deterministic(sandbox_db: SandboxDB) -> None:
    first = _seeded(sandbox_db, "first", 25, seed=5)
    second = _seeded(sandbox_db, "second", 25, seed=5)
    assert _strip_times(first) == _strip_times(second)
    expected = generate_catalogue(25, seed=5).products
    for product, item in zip(first, expected, strict=True):
        assert product["sku"] == item.payload["sku"]
        variant_skus = sorted(v["sku"] for v in item.payload.get("variants", []))
        if variant_skus:
            assert sorted(v["sku"] for v in product["variants"]) == variant_skus
        assert len(product["images"]) == len(item.payload["images"])
        assert len(product["custom_fields"]) == 2
        assert len(product["categories"]) == 1
