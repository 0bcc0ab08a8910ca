"""Benchmark ``stagingpro plan`` on large catalogues against a seeded sandbox store.

For each ``--products`` size (default 10,000; e.g. ``--products 10000 50000``):

1. seed a sandbox store with the deterministic catalogue of
   :mod:`reconciler.sandbox.seed` (cached in ``--workdir`` between runs) and serve it
   over HTTPS from its own process (``stagingpro sandbox serve``, a throwaway CA made
   with ``trustme``), so the plan talks to it as to BigCommerce: a real socket, and
   memory figures that are the planner's alone;
2. write the same catalogue as declared YAML (one file per product: the product fields,
   brand, category path, custom fields, images by URL; no variants/options, which the
   product adapter reads with extra requests only for products declaring them), with
   ``--changed`` of the products given a new price (so that many items differ);
3. run :func:`reconciler.plan.plan_environment` ``--runs`` times, each in a fresh process,
   and print medians of: requests sent (total, and product-list pages against the API
   minimum of ceil(N/250)), the plan's own CPU time (:func:`compute_plan` only: no YAML
   loading, no waiting on the API), load and read wall times, and the planning process's
   peak RSS;
4. plan once more with the store under BigCommerce's Standard quota (``--quota``, default
   150 requests per 30,000 ms, real time) and 5% of requests answered 503
   (``--error-rate``): print the requests sent, 5xx and 429 answers seen, retries, the
   read's wall time against the quota-bound minimum, and whether the plan is the same
   (same checksum) as without faults (``--no-throttled`` skips this);
5. time the differ alone on every product made to differ, and DeepDiff on a sample of
   the same pairs, for comparison.

Targets: plan CPU < 2 s at 10,000 products and < 10 s at 50,000; peak memory < 1 GB;
under the quota with 5% 5xx, the same plan and no 429 reaching the user.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from served_sandbox import ServedSandbox  # noqa: E402

from reconciler.live.stats import RequestEvent  # noqa: E402
from reconciler.sandbox.seed import generate_catalogue, seed_database  # noqa: E402
from reconciler.sandbox.stores import DEFAULT_TOKEN  # noqa: E402

STORE = "planbench"
ENVIRONMENT = "bench"
TOKEN_ENV = "PLAN_BENCH_TOKEN"


def write_config(root: Path, api_url: str) -> None:
    """``stagingpro.yaml``: one environment, the served sandbox as a BigCommerce store."""
    backend = {"store_hash": STORE, "token_env": TOKEN_ENV, "api_url": api_url}
    config = {"version": 1, "environments": {ENVIRONMENT: {"backend": backend}}}
    (root / "stagingpro.yaml").write_text(yaml.safe_dump(config))


def write_state(root: Path, products: int, changed: float) -> None:
    """The seeded catalogue as declared YAML, ``changed`` of the prices altered."""
    catalogue = generate_catalogue(products, 0)
    root.mkdir(parents=True, exist_ok=True)
    brands = root / "catalog/brands"
    brands.mkdir(parents=True, exist_ok=True)
    (brands / "brands.yaml").write_text(
        yaml.safe_dump({"brands": [{"name": name} for name in catalogue.brands]})
    )
    categories = root / "catalog/categories"
    categories.mkdir(parents=True, exist_ok=True)
    (categories / "categories.yaml").write_text(
        yaml.safe_dump({"categories": [{"path": "/".join(n.path)} for n in catalogue.categories]})
    )
    folder = root / "catalog/products"
    folder.mkdir(parents=True, exist_ok=True)
    every = max(1, round(1 / changed)) if changed > 0 else 0
    for index, item in enumerate(catalogue.products):
        payload = item.payload
        data: dict[str, Any] = {
            name: payload[name]
            for name in ("sku", "name", "type", "price", "weight", "width", "height", "depth",
                         "retail_price", "cost_price", "description", "is_visible",
                         "is_featured", "search_keywords", "inventory_tracking")
            if name in payload
        }
        data["brand"] = item.brand
        data["categories"] = ["/".join(item.category)]
        if payload.get("custom_fields"):
            data["custom_fields"] = payload["custom_fields"]
        if payload.get("bulk_pricing_rules"):
            data["bulk_pricing_rules"] = [
                {k: rule[k] for k in ("quantity_min", "quantity_max", "type", "amount")}
                for rule in payload["bulk_pricing_rules"]
            ]
        data["images"] = [
            {"url": image["image_url"], "is_thumbnail": image["is_thumbnail"],
             "sort_order": image["sort_order"], "description": image["description"]}
            for image in payload.get("images", [])
        ]
        if every and index % every == 0:
            data["price"] = round(float(payload["price"]) * 0.9, 2)
        (folder / f"{payload['sku'].lower()}.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False)
        )


def prepare(workdir: Path, products: int, changed: float) -> tuple[Path, Path]:
    """The seeded sandbox file and the declared state for ``products`` (cached)."""
    base = workdir / f"n{products}"
    base.mkdir(parents=True, exist_ok=True)
    db = base / "sandbox.db"
    if not (base / "seeded").exists():
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        report = seed_database(db, STORE, products)
        print(f"  seeded {report.products} products ({report.variants} variants) in"
              f" {time.perf_counter() - started:.0f} s", flush=True)
        (base / "seeded").write_text("ok")
    state = base / f"state-{changed:g}"
    if not (state / "written").exists():
        write_state(state, products, changed)
        (state / "written").write_text("ok")
    return db, state




def child(db: Path, state: Path) -> None:
    """One measured plan (in its own process); prints its figures as JSON."""
    from reconciler.plan import plan_environment
    from reconciler.plan.selection import Selection

    paths: Counter[str] = Counter()

    def count(event: RequestEvent) -> None:
        paths[f"{event.method} {event.path}"] += 1

    selection = Selection.parse(["brand", "category", "product"])
    planned = plan_environment(state, ENVIRONMENT, selection=selection,
                               force_reason="benchmark", on_request=count)
    counts = planned.plan.counts().get("product", {})
    print(json.dumps({
        **planned.timings,
        "requests": planned.stats.total_requests,
        "product_pages": paths["GET /v3/catalog/products"],
        "paths": dict(paths),
        "updates": counts.get("update", 0),
        "checksum": planned.plan.checksum,
        "throttled": planned.stats.throttled,
        "server_errors": planned.stats.server_errors,
        "retries": planned.stats.retries,
        "unchanged": planned.plan.unchanged.get("product", 0),
        "maxrss_mb": max(planned.peak_rss_mb.values()),
        **{f"rss_after_{step}_mb": mb for step, mb in planned.peak_rss_mb.items()},
    }))


def run_child(db: Path, state: Path) -> dict[str, Any]:
    """One plan in a fresh process (:func:`child`); its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(db), str(state)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the plan failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def throttled_figures(served: ServedSandbox, db: Path, state: Path, quota: int,
                      window_ms: int, error_rate: float) -> dict[str, Any]:
    """One plan with the store under ``quota`` requests per ``window_ms`` and
    ``error_rate`` of its answers 503 (then the store's settings are reset)."""
    settings = f"/_sandbox/stores/{STORE}/settings"
    served.admin("PUT", settings, json={
        "rate_limit": {"quota": quota, "window_ms": window_ms},
        "faults": {"error_rate": error_rate, "error_status": 503}, "seed": 7,
    })
    try:
        figures = run_child(db, state)
    finally:
        served.admin("DELETE", settings)
    # The least time this many requests can take: the first quota go at once, every
    # further quota waits for the next window.
    figures["minimum_s"] = max(0, figures["requests"] - 1) // quota * window_ms / 1000
    return figures


def differ_figures(state: Path, db: Path, sample: int) -> dict[str, float]:
    """Seconds of our differ over every product made to differ, and DeepDiff per item."""
    import asyncio

    from deepdiff import DeepDiff

    from reconciler.config import effective_environment
    from reconciler.kinds.registry import kind_named
    from reconciler.live.connect import connect
    from reconciler.plan.build import declared_json
    from reconciler.plan.canonical import canonical_live, file_digest, rules_of
    from reconciler.plan.differ import diff
    from reconciler.plan.read import read_live
    from reconciler.state import load_state

    declared = load_state(state, ENVIRONMENT)
    settings = effective_environment(declared.config, ENVIRONMENT)
    kind = kind_named("product")

    async def read() -> Any:
        async with connect(ENVIRONMENT, settings) as client:
            return await read_live(client, settings, [kind])

    live = asyncio.run(read()).items["product"]
    digest = file_digest(state)
    pairs = []
    for match, item in declared.items["product"].items():
        wanted = declared_json(item, digest, state)
        wanted["price"] = str(float(wanted["price"]) + 1)  # every item differs
        pairs.append((wanted, canonical_live(kind, live[match].data)))
    node = rules_of(kind)
    started = time.process_time()
    changed = sum(1 for wanted, current in pairs if diff(wanted, current, node))
    ours = time.process_time() - started
    started = time.process_time()
    for wanted, current in pairs[:sample]:
        DeepDiff(current, wanted, ignore_order=True)
    theirs = (time.process_time() - started) / min(sample, len(pairs))
    return {"items": len(pairs), "changed": changed, "ours_s": ours,
            "ours_per_item_us": ours / len(pairs) * 1e6, "deepdiff_per_item_ms": theirs * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.1,
                        help="share of products whose declared price differs (default 0.1)")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "stagingpro-plan-bench")
    parser.add_argument("--deepdiff-sample", type=int, default=200)
    parser.add_argument("--quota", default="150/30000", metavar="REQUESTS/WINDOW_MS",
                        help="the store's quota for the throttled plan (default 150/30000)")
    parser.add_argument("--error-rate", type=float, default=0.05,
                        help="share of requests answered 503 in the throttled plan")
    parser.add_argument("--no-throttled", action="store_true",
                        help="skip the plan under the quota with injected 5xx")
    parser.add_argument("--child", nargs=2, metavar=("DB", "STATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    for products in args.products:
        print(f"{products} products, {args.changed:.0%} with a new price:", flush=True)
        db, state = prepare(args.workdir, products, args.changed)
        served = ServedSandbox(db, args.workdir)
        os.environ[TOKEN_ENV] = DEFAULT_TOKEN
        try:
            write_config(state, served.url)
            results = [run_child(db, state) for _ in range(args.runs)]
            throttled = None
            if not args.no_throttled:
                quota, window_ms = (int(part) for part in args.quota.split("/"))
                throttled = throttled_figures(served, db, state, quota, window_ms,
                                              args.error_rate)
            figures = differ_figures(state, db, args.deepdiff_sample)
        finally:
            served.stop()

        def median(name: str, results: list[dict[str, Any]] = results) -> float:
            return statistics.median(float(r[name]) for r in results)

        first = results[0]
        minimum = math.ceil(products / 250)
        others = {p: n for p, n in first["paths"].items() if p != "GET /v3/catalog/products"}
        print(f"  plan: {first['updates']} updates, {first['unchanged']} unchanged")
        print(f"  requests: {first['requests']} in total; product pages"
              f" {first['product_pages']} (API minimum ceil(N/250) = {minimum});"
              f" others: {others}")
        print(f"  plan CPU (compute_plan only): median {median('plan_cpu'):.2f} s")
        print(f"  load YAML: median {median('load'):.1f} s; read the store: median"
              f" {median('read'):.1f} s")
        print(f"  peak RSS of the planning process: median {median('maxrss_mb'):.0f} MB"
              f" (after loading the YAML {median('rss_after_load_mb'):.0f} MB, after reading"
              f" the store {median('rss_after_read_mb'):.0f} MB)")
        if throttled is not None:
            same = throttled["checksum"] == first["checksum"]
            print(f"  under {args.quota.replace('/', ' requests per ')} ms with"
                  f" {args.error_rate:.0%} of answers 503: {throttled['requests']} requests"
                  f" ({throttled['server_errors']} answered 5xx, {throttled['retries']}"
                  f" retried; 429 answers seen: {throttled['throttled']}, reaching the"
                  f" user: 0 — the plan completed); read {throttled['read']:.1f} s against a"
                  f" quota-bound minimum of {throttled['minimum_s']:.0f} s; same plan as"
                  f" without faults: {'yes' if same else 'NO'}"
                  f" (checksum {throttled['checksum'][:12]})")
        print(f"  differ alone, every one of {figures['items']} products differing:"
              f" {figures['ours_s']:.2f} s CPU ({figures['ours_per_item_us']:.0f} µs per item);"
              f" DeepDiff: {figures['deepdiff_per_item_ms']:.1f} ms per item"
              f" (sample of {args.deepdiff_sample})", flush=True)


if __name__ == "__main__":
    main()
