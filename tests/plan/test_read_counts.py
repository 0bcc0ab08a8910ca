"""What a plan costs in requests: reading N products with their variants, images, custom
fields and bulk pricing rules takes ceil(N/250) product requests plus a constant."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from reconciler.live.stats import RequestEvent
from reconciler.plan import plan_environment
from reconciler.sandbox.seed import seed_database

PRODUCTS = 1_000


def test_reading_1000_products_costs_ceil_n_over_250_product_requests(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    report = seed_database(db, "counts", PRODUCTS, seed=1)
    assert report.products == PRODUCTS and report.variants > PRODUCTS
    state = tmp_path / "store-state"
    state.mkdir()
    # Nothing declared and products pruned: the plan must read every live product.
    (state / "stagingpro.yaml").write_text(
        "version: 1\n"
        "environments:\n"
        "  counts:\n"
        "    backend: {sandbox: counts}\n"
        "    prune: {products: all}\n",
        encoding="utf-8",
    )
    requests: Counter[str] = Counter()

    def count(event: RequestEvent) -> None:
        requests[f"{event.method} {event.path}"] += 1

    planned = plan_environment(
        state, "counts", sandbox_db=db, force_reason="counting requests", on_request=count
    )

    assert planned.plan.counts()["product"]["delete"] == PRODUCTS
    # The sub-resources came in the same requests: the deletes show them.
    shown = {f.path[0] for c in planned.plan.changes if c.kind == "product" for f in c.fields}
    assert {"variants", "images", "custom_fields", "bulk_pricing_rules"} <= shown, shown
    product_pages = requests["GET /v3/catalog/products"]
    assert product_pages == math.ceil(PRODUCTS / 250), requests
    others = sum(requests.values()) - product_pages
    # store info, brands, the category tree and its categories, StagingPro's metafields
    assert others <= 5, requests
    assert all(key.startswith("GET ") for key in requests), requests
