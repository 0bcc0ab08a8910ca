"""Benchmark the sandbox catalogue: seeding products and reading full pages.

Builds a store of ``--products`` products (3 variants of one option, 2 images by URL,
3 custom fields, 1 bulk pricing rule each; 40 brands, 20 categories) with the library call
the seeder uses (:func:`create_product`), committed to a SQLite file in a temporary
directory, and prints:

* seeding: total seconds for all products (create + one commit), products per second, and
  the same through ``POST /v3/catalog/products`` in-process for a sample;
* reading: the median time of ``GET /v3/catalog/products?limit=250&include=variants,images,
  custom_fields`` in-process (first, middle and last page), of one product by id, of SKU
  lookups and of a store-wide page of ``/v3/catalog/variants``.

Targets: seeding 10,000 products with variants < 60 s; a 250-product page with variants,
images and custom fields < 200 ms on a 10,000-product store.

    python bench/sandbox_catalog_bench.py                  # 10,000 products
    python bench/sandbox_catalog_bench.py --products 2000 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.resources.catalog_brands import new_brand
from reconciler.sandbox.resources.catalog_documents import create_product
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store

SIZES = ("S", "M", "L")


def payload(index: int, brand_count: int, category_ids: list[int]) -> dict[str, Any]:
    sku = f"B-{index:06d}"
    return {
        "name": f"Bench product {index:06d}",
        "type": "physical",
        "sku": sku,
        "price": 10 + index % 90,
        "weight": 1 + index % 5,
        "description": "<p>Hard-wearing gear for everyday use, tested on long days out.</p>",
        "brand_name": f"Brand {index % brand_count:02d}",
        "categories": [category_ids[index % len(category_ids)]],
        "inventory_tracking": "variant",
        "variants": [
            {
                "sku": f"{sku}-{size}",
                "inventory_level": 5,
                "option_values": [{"option_display_name": "Size", "label": size}],
            }
            for size in SIZES
        ],
        "images": [
            {"image_url": f"https://cdn.example.com/{sku}/{n}.jpg", "sort_order": n}
            for n in range(2)
        ],
        "custom_fields": [{"name": f"field{n}", "value": f"value {index}"} for n in range(3)],
        "bulk_pricing_rules": [
            {"quantity_min": 5, "quantity_max": 0, "type": "percent", "amount": 5}
        ],
    }


def seed(db: SandboxDB, products: int) -> float:
    store = create_store(db, "bench")
    for n in range(40):
        new_brand(store, {"name": f"Brand {n:02d}"})
    from reconciler.sandbox.resources.catalog_trees import ensure_default_tree, new_category

    ensure_default_tree(store)
    category_ids = [new_category(store, {"name": f"Category {n}"}, 1, 0)["id"] for n in range(20)]
    started = time.perf_counter()
    for index in range(products):
        create_product(store, payload(index, 40, category_ids))
    db.commit()
    return time.perf_counter() - started


def median_ms(client: TestClient, path: str, params: dict[str, Any], runs: int) -> float:
    headers = {"X-Auth-Token": DEFAULT_TOKEN, "Accept": "application/json"}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, params=params, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--http-sample", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = SandboxDB(Path(tmp) / "bench.db")
        seconds = seed(db, args.products)
        print(
            f"seed {args.products} products (3 variants, 2 images, 3 custom fields each): "
            f"{seconds:.1f} s ({args.products / seconds:.0f} products/s)"
        )
        app = SandboxApp(db)
        with TestClient(app, base_url="https://sandbox.test") as client:
            headers = {"X-Auth-Token": DEFAULT_TOKEN}
            started = time.perf_counter()
            for index in range(args.http_sample):
                body = payload(10_000_000 + index, 40, [1])
                body["categories"] = []
                response = client.post(
                    "/stores/bench/v3/catalog/products", json=body, headers=headers
                )
                assert response.status_code == 200, response.text
            per = (time.perf_counter() - started) / args.http_sample
            print(
                f"POST /v3/catalog/products in-process: {per * 1000:.2f} ms/product "
                f"(~{per * args.products:.0f} s for {args.products})"
            )
            path = "/stores/bench/v3/catalog/products"
            include = "variants,images,custom_fields"
            last = max(1, (args.products + 249) // 250)
            for page in sorted({1, (last + 1) // 2, last}):
                ms = median_ms(
                    client, path, {"limit": 250, "page": page, "include": include}, args.runs
                )
                print(f"GET 250 products page {page} include={include}: median {ms:.1f} ms")
            ms = median_ms(client, f"{path}/1", {"include": include}, args.runs)
            print(f"GET one product include={include}: median {ms:.2f} ms")
            ms = median_ms(client, path, {"sku": f"B-{args.products // 2:06d}"}, args.runs)
            print(f"GET products?sku= (index lookup): median {ms:.2f} ms")
            variants = "/stores/bench/v3/catalog/variants"
            ms = median_ms(client, variants, {"limit": 250, "page": 2}, args.runs)
            print(f"GET /v3/catalog/variants 250 per page (store-wide): median {ms:.1f} ms")
            ms = median_ms(client, variants, {"sku": f"B-{args.products // 2:06d}-M"}, args.runs)
            print(f"GET /v3/catalog/variants?sku= (index lookup): median {ms:.2f} ms")
        db.close()


if __name__ == "__main__":
    main()
