"""Benchmark the catalogue adapters (brands, categories, products, price lists) against
the in-process sandbox.

Writes ``--brands`` brands, a category tree of ``--categories`` categories three levels
deep, ``--products`` products (each with a 3-value option and 3 variants, 2 URL images,
2 custom fields and a bulk pricing rule, in one brand and one category) and a price list
with a USD record for every variant; reads everything back, updates every product's
price and every variant's price, and deletes the products, ``--runs`` times. Prints per
step the requests sent (from the sandbox's request log) and the median wall time. The
request counts are the figure that matters on a real store (the API quota bounds it):
reading N products costs ceil(N/250) product pages + 1 metafield page + ceil(D/10)
option/modifier batches for D declared products; updating K prices ceil(K/10) PUTs,
V variant prices ceil(V/50), R price records ceil(R/1000).

    python bench/catalogue_adapters_bench.py
    python bench/catalogue_adapters_bench.py --products 5000 --runs 1
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.adapters.brand import adapter as brands
from reconciler.adapters.category import adapter as categories
from reconciler.adapters.price_list import adapter as price_lists
from reconciler.adapters.product import adapter as products
from reconciler.config import EffectiveEnvironment, Safety, SandboxBackend
from reconciler.live import connect
from reconciler.plan.model import Change, FieldChange
from reconciler.sandbox.transport import SANDBOX_BASE_URL, open_sandbox, sandbox_transport

SIZES = ("S", "M", "L")


def brand_changes(count: int) -> list[Change]:
    return [Change("brand", f"Brand {n}", "create", desired={"name": f"Brand {n}"})
            for n in range(count)]


def category_paths(count: int) -> list[str]:
    paths: list[str] = []
    tops = max(1, count // 10)
    for top in range(tops):
        paths.append(f"Dept {top}")
        for mid in range(3):
            paths.append(f"Dept {top}/Aisle {mid}")
            paths.extend(f"Dept {top}/Aisle {mid}/Shelf {low}" for low in range(2))
    return paths[:count]


def product_changes(count: int, brand_count: int, paths: list[str]) -> list[Change]:
    changes = []
    for n in range(count):
        sku = f"P{n:06d}"
        desired: dict[str, Any] = {
            "sku": sku, "name": f"Product {n}", "type": "physical", "price": "19.5",
            "weight": "1.2", "brand": f"Brand {n % brand_count}",
            "categories": [paths[n % len(paths)]], "description": f"<p>Product {n}</p>",
            "options": [{"display_name": "Size", "type": "rectangles", "values": [
                {"label": s, "sort_order": i} for i, s in enumerate(SIZES)]}],
            "variants": [{"sku": f"{sku}-{s}", "option_values": {"Size": s}} for s in SIZES],
            "images": [{"url": f"https://cdn.example.com/{sku}/{i}.jpg", "sort_order": i}
                       for i in range(2)],
            "custom_fields": [{"name": "Material", "value": "Nylon"},
                              {"name": "Origin", "value": "Portugal"}],
            "bulk_pricing_rules": [{"quantity_min": 5, "quantity_max": 0, "type": "percent",
                                    "amount": "10"}],
        }
        changes.append(Change("product", sku, "create", desired=desired))
    return changes


def price_updates(live: dict[str, LiveItem]) -> list[Change]:
    return [Change("product", item.key, "update", fields=(FieldChange(("price",), 0, 1),),
                   desired={**item.data, "price": "21"}, live_ids=dict(item.ids))
            for item in live.values()]


def variant_updates(live: dict[str, LiveItem]) -> list[Change]:
    changes = []
    for item in live.values():
        variants = [{**v, "price": "22"} for v in item.data.get("variants", [])]
        fields = tuple(FieldChange(("variants", v["sku"], "price"), None, "22") for v in variants)
        changes.append(Change("product", item.key, "update", fields=fields,
                              desired={**item.data, "variants": variants},
                              live_ids=dict(item.ids)))
    return changes


async def run_once(args: argparse.Namespace, db: Path) -> dict[str, tuple[int, float]]:
    app = open_sandbox(db)
    transport = sandbox_transport(app)
    backend = SandboxBackend(sandbox="bench")
    env = EffectiveEnvironment("bench", backend, False, {}, Safety())
    figures: dict[str, tuple[int, float]] = {}

    async def log_size(http: httpx.AsyncClient) -> int:
        body = (await http.get(f"{SANDBOX_BASE_URL}/_sandbox/stores/bench/requests")).json()
        return int(body["meta"]["cursor"])

    async with connect("bench", backend, transport=transport) as client, httpx.AsyncClient(
        transport=transport
    ) as admin:
        ctx = LiveContext(client, IdMaps(), env)

        async def step(name: str, work: Callable[[], Awaitable[Any]]) -> Any:
            before = await log_size(admin)
            started = time.perf_counter()
            result = await work()
            figures[name] = (await log_size(admin) - before, time.perf_counter() - started)
            if isinstance(result, list):
                bad = [r for r in result if getattr(r, "outcome", "applied") != "applied"]
                if bad:
                    raise SystemExit(f"{name}: {len(bad)} failed, e.g. {bad[0].message}")
            return result

        paths = category_paths(args.categories)
        await step("brands: create", lambda: brands.write(ctx, brand_changes(args.brands)))
        await step("brands: read", lambda: brands.read(ctx))
        category_creates = [Change("category", p, "create", desired={"path": p}) for p in paths]
        await step("categories: create", lambda: categories.write(ctx, category_creates))
        await step("categories: read", lambda: categories.read(ctx))
        creates = product_changes(args.products, args.brands, paths)
        await step("products: create", lambda: products.write(ctx, creates))
        ctx.declared_keys = {"product": frozenset(c.key.casefold() for c in creates)}
        live = dict(await step("products: read (all declared)", lambda: products.read(ctx)))
        await step("products: update price", lambda: products.write(ctx, price_updates(live)))
        await step("products: update variant prices",
                   lambda: products.write(ctx, variant_updates(live)))
        records = [{"sku": f"{c.key}-{s}", "currency": "USD", "price": "15"}
                   for c in creates for s in SIZES]
        price_list = Change("price_list", "Trade", "create",
                            desired={"name": "Trade", "active": True, "records": records})
        await step("price list: create + records", lambda: price_lists.write(ctx, [price_list]))
        await step("price list: read", lambda: price_lists.read(ctx))
        deletes = [Change("product", i.key, "delete", live_ids=dict(i.ids))
                   for i in live.values()]
        await step("products: delete", lambda: products.write(ctx, deletes))
    app.db.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=20)
    parser.add_argument("--categories", type=int, default=100)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs: list[dict[str, tuple[int, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            runs.append(asyncio.run(run_once(args, Path(tmp) / f"bench-{run}.db")))
    print(f"{args.brands} brands, {args.categories} categories, {args.products} products"
          f" (3 variants each), median of {args.runs} runs")
    for name in runs[0]:
        requests = runs[0][name][0]
        seconds = statistics.median(r[name][1] for r in runs)
        print(f"  {name:34s} {requests:6d} requests  {seconds * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
