"""Benchmark ``stagingpro apply`` against seeded sandbox stores under a plan's rate limit.

1. **10,000 products** (``--products``): a store seeded with the deterministic catalogue
   of :mod:`reconciler.sandbox.seed`, declared as YAML (sku, name, type, price, weight,
   brand, category). First a 5% change set: plan → apply → plan must give 0 changes.
   Then every product's price changed, applied under BigCommerce's Standard quota of 150
   requests per 30 s — *scaled*: the window is ``--window-ms`` (default 3,000 ms, ten
   times shorter, same quota), so the figure × 30,000/window is the real-time one. It is
   compared with the quota-bound minimum (requests × window / quota) and must show no
   429 surfacing (no item failed; 429s the client absorbed are counted separately).
2. **1,000 products side by side** (``--side-products``): the same price change made by
   StagingPro and by the way users do it today — a per-item script with the official
   ``bigcommerce`` client (list the products to find ids by SKU, then one PUT per
   product; waiting when the rate-limit headers say the quota is spent, as the client's
   ``rate_limiting_management`` does, and sleeping out a 429 if one comes) — on the same
   store content and quota, both over HTTPS to ``stagingpro sandbox serve`` (a throwaway
   CA made with ``trustme``). Requests (from the store's request log) and wall time.

Each figure is the median of ``--runs`` runs, each on a fresh copy of the seeded store.
Prints figures; asserts nothing but convergence.

    .venv/bin/python bench/apply_bench.py                      # 10,000 and 1,000
    .venv/bin/python bench/apply_bench.py --products 2000 --runs 1
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import yaml  # noqa: E402
from served_sandbox import ServedSandbox  # noqa: E402

from reconciler.apply.run import ApplyRequest, apply_environment  # noqa: E402
from reconciler.live.client import ClientOptions  # noqa: E402
from reconciler.live.connect import shared_sandbox  # noqa: E402
from reconciler.plan import plan_environment  # noqa: E402
from reconciler.sandbox.seed import generate_catalogue, seed_database  # noqa: E402
from reconciler.sandbox.stores import DEFAULT_TOKEN  # noqa: E402
from reconciler.sandbox.transport import SANDBOX_BASE_URL, sandbox_transport  # noqa: E402

STORE = "applybench"
ENV = "bench"
TOKEN_ENV = "APPLY_BENCH_TOKEN"


# -- declared state --------------------------------------------------------------------------
def write_state(
    root: Path, products: int, every: int, backend: dict[str, Any], delta: float = 1
) -> Path:
    """The seeded catalogue as YAML; every ``every``-th product's price raised by ``delta``
    (``every`` 0: none). Safety thresholds are opened: this is a deliberate repricing."""
    catalogue = generate_catalogue(products, 0)
    state = root / "store-state"
    if state.exists():
        shutil.rmtree(state)
    (state / "catalog/brands").mkdir(parents=True)
    (state / "catalog/categories").mkdir(parents=True)
    (state / "catalog/products").mkdir(parents=True)
    config = {
        "version": 1,
        "environments": {
            ENV: {
                "backend": backend,
                "safety": {"max_update_share": 1.0, "max_delete_share": 1.0},
            }
        },
    }
    (state / "stagingpro.yaml").write_text(yaml.safe_dump(config))
    (state / "catalog/brands/brands.yaml").write_text(
        yaml.safe_dump({"brands": [{"name": name} for name in catalogue.brands]})
    )
    (state / "catalog/categories/categories.yaml").write_text(
        yaml.safe_dump({"categories": [{"path": "/".join(n.path)} for n in catalogue.categories]})
    )
    chunk: list[dict[str, Any]] = []
    for index, item in enumerate(catalogue.products):
        payload = item.payload
        price = float(payload["price"]) + (delta if every and index % every == 0 else 0)
        chunk.append({
            "sku": payload["sku"], "name": payload["name"], "type": payload["type"],
            "price": round(price, 2), "weight": payload["weight"], "brand": item.brand,
            "categories": ["/".join(item.category)],
        })
        if len(chunk) == 1000 or index == len(catalogue.products) - 1:
            name = f"products-{index // 1000:03d}.yaml"
            (state / "catalog/products" / name).write_text(
                yaml.safe_dump({"products": chunk}, sort_keys=False)
            )
            chunk = []
    return state


def seeded(workdir: Path, products: int) -> Path:
    """A sandbox file with ``products`` seeded products (cached in ``workdir``)."""
    db = workdir / f"seeded-{products}.db"
    marker = workdir / f"seeded-{products}.ok"
    if not marker.exists():
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        report = seed_database(db, STORE, products)
        print(f"  seeded {report.products} products ({report.variants} variants) in"
              f" {time.perf_counter() - started:.0f} s", flush=True)
        marker.write_text("ok")
    return db


def fresh_copy(db: Path, name: str) -> Path:
    copy = db.with_name(name)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    return copy


# -- the store's admin API (in process) ----------------------------------------------------
def admin(db: Path, method: str, path: str, **kwargs: Any) -> Any:
    async def call() -> Any:
        transport = sandbox_transport(shared_sandbox(db))
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE_URL) as http:
            response = await http.request(method, f"/_sandbox/stores/{STORE}{path}", **kwargs)
            response.raise_for_status()
            return response.json() if response.content else None

    return asyncio.run(call())


def set_quota(db: Path, quota: int, window_ms: int) -> None:
    admin(db, "PUT", "/settings", json={"rate_limit": {"quota": quota, "window_ms": window_ms}})


def request_log(db: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = admin(db, "GET", "/requests")["data"]
    return entries


def minimum_seconds(requests: int, quota: int, window_ms: int) -> float:
    """The least time ``requests`` can take under the quota: the first ``quota`` go at
    once, every further ``quota`` waits for the next window to open, so the last one can
    start when window ``ceil(requests / quota)`` opens. (Spreading the count over
    fractional windows, ``(requests - quota) / quota`` windows, would promise a time no
    client can reach: a window's quota only refills at its end.)"""
    return max(0, requests - 1) // quota * window_ms / 1000


# -- part 1 ----------------------------------------------------------------------------------
def pending(state: Path, db: Path) -> int:
    plan = plan_environment(state, ENV, sandbox_db=db).plan
    return sum(1 for change in plan.changes if not change.blocked)


def large_run(workdir: Path, products: int, quota: int, window_ms: int, run: int) -> dict[
    str, float
]:
    db = fresh_copy(seeded(workdir, products), f"large-{run}.db")
    root = workdir / f"large-{run}"
    backend = {"sandbox": STORE}
    figures: dict[str, float] = {}
    # The 5% change set: plan → apply → plan gives 0 changes (no quota: correctness).
    state = write_state(root, products, 20, backend)
    figures["changes_5pct"] = pending(state, db)
    outcome = apply_environment(ApplyRequest(state=state, environment=ENV, sandbox_db=db))
    assert not outcome.failed, outcome.failed[:3]
    figures["after_5pct"] = pending(state, db)
    # Every price changed, under the (scaled) plan quota.
    state = write_state(root, products, 1, backend, delta=2)
    set_quota(db, quota, window_ms)
    admin(db, "DELETE", "/requests")
    started = time.perf_counter()
    outcome = apply_environment(ApplyRequest(state=state, environment=ENV, sandbox_db=db))
    figures["seconds"] = time.perf_counter() - started
    figures["write_seconds"] = outcome.timings.get("write", 0.0)
    figures["applied"] = sum(1 for r in outcome.results if r.outcome == "applied")
    figures["failed"] = len(outcome.failed)
    log = request_log(db)
    figures["requests"] = len(log)
    figures["writes"] = sum(1 for e in log if e["method"] != "GET")
    figures["answered_429"] = sum(1 for e in log if e["status"] == 429)
    figures["minimum_seconds"] = minimum_seconds(len(log), quota, window_ms)
    set_quota(db, 1_000_000, 1000)
    figures["after_all"] = pending(state, db)
    return figures


# -- part 2 ----------------------------------------------------------------------------------


def per_item_script(host: str, new_prices: dict[str, float]) -> dict[str, float]:
    """How a merchant's developer changes prices today: the official client, one PUT per
    product after listing the catalogue to learn ids by SKU."""
    import bigcommerce
    from bigcommerce.exception import RateLimitingException

    v3 = bigcommerce.connection.OAuthConnection(
        "apply-bench", STORE, DEFAULT_TOKEN, host=host, api_path="/stores/{}/v3/{}",
        rate_limiting_management={"min_requests_remaining": 1, "wait": True},
    )
    slept_429 = 0

    def call(method: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal slept_429
        while True:
            try:
                return method(*args, **kwargs)
            except RateLimitingException as error:
                slept_429 += 1
                reset = int(error.response.headers.get("X-Rate-Limit-Time-Reset-Ms", "1000"))
                time.sleep(reset / 1000)

    ids: dict[str, int] = {}
    page = 1
    while True:
        body = call(v3.get, "catalog/products", limit=250, page=page, include_fields="sku")
        ids.update({p["sku"]: p["id"] for p in body["data"]})
        if page >= body["meta"]["pagination"]["total_pages"]:
            break
        page += 1
    for sku, price in new_prices.items():
        call(v3.update, "catalog/products", ids[sku], {"price": price})
    return {"client_429_retries": slept_429}


def side_run(workdir: Path, products: int, quota: int, window_ms: int, run: int) -> dict[
    str, float
]:
    base = seeded(workdir, products)
    figures: dict[str, float] = {}
    catalogue = generate_catalogue(products, 0)
    new_prices = {
        item.payload["sku"]: round(float(item.payload["price"]) + 1, 2)
        for item in catalogue.products
    }
    for who in ("stagingpro", "script"):
        db = fresh_copy(base, f"side-{who}-{run}.db")
        set_quota(db, quota, window_ms)
        served = ServedSandbox(db, workdir)
        try:
            started = time.perf_counter()
            if who == "stagingpro":
                os.environ[TOKEN_ENV] = DEFAULT_TOKEN
                backend = {"store_hash": STORE, "token_env": TOKEN_ENV, "api_url": served.url}
                state = write_state(workdir / f"side-{run}", products, 1, backend)
                outcome = apply_environment(ApplyRequest(state=state, environment=ENV))
                assert not outcome.failed, outcome.failed[:3]
                extra = {"client_429_retries": float(outcome.stats.throttled)}
            else:
                extra = per_item_script(served.url.removeprefix("https://"), new_prices)
            figures[f"{who}_seconds"] = time.perf_counter() - started
            log = served.request_log(STORE)
        finally:
            served.stop()
        methods = Counter(e["method"] for e in log)
        figures[f"{who}_requests"] = len(log)
        figures[f"{who}_writes"] = len(log) - methods["GET"]
        figures[f"{who}_answered_429"] = sum(1 for e in log if e["status"] == 429)
        figures[f"{who}_client_429_retries"] = extra["client_429_retries"]
    figures["minimum_script_seconds"] = minimum_seconds(products, quota, window_ms)
    return figures


# -- reporting -------------------------------------------------------------------------------
def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--side-products", type=int, default=1_000)
    parser.add_argument("--quota", type=int, default=150)
    parser.add_argument("--window-ms", type=int, default=3_000,
                        help="the quota's window (BigCommerce: 30000; default scaled ÷10)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-side", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="apply-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    scale = 30_000 / args.window_ms
    print(f"quota {args.quota} requests per {args.window_ms} ms"
          f" (BigCommerce Standard: 150 per 30000 ms; times below × {scale:g} for real time)")

    if not args.skip_large:
        print(f"\n1. {args.products} products; medians of {args.runs} run(s)", flush=True)
        large = medians([
            large_run(workdir, args.products, args.quota, args.window_ms, run)
            for run in range(args.runs)
        ])
        print(f"  5% change set: {large['changes_5pct']:.0f} changes planned, applied without"
              f" quota; plan afterwards: {large['after_5pct']:.0f} changes")
        print(f"  every price changed: {large['applied']:.0f} applied, {large['failed']:.0f}"
              f" failed; plan afterwards: {large['after_all']:.0f} changes")
        print(f"  requests {large['requests']:.0f} ({large['writes']:.0f} writes; the API"
              f" minimum for the writes is ceil({args.products}/10) ="
              f" {math.ceil(args.products / 10)})")
        print(f"  wall {large['seconds']:.1f} s (writing {large['write_seconds']:.1f} s);"
              f" quota-bound minimum for these requests {large['minimum_seconds']:.1f} s"
              f" → {large['seconds'] / max(large['minimum_seconds'], 1e-9):.2f}× the minimum"
              f" (the client leaves {ClientOptions().reserve_fraction:.0%} of the quota"
              " to other apps)")
        print(f"  real-time equivalent: {large['seconds'] * scale / 60:.1f} min vs minimum"
              f" {large['minimum_seconds'] * scale / 60:.1f} min")
        print(f"  429 answered by the store: {large['answered_429']:.0f};"
              f" 429 surfacing as failed items: {large['failed']:.0f}")

    if not args.skip_side:
        print(f"\n2. {args.side_products} products' prices, side by side over HTTPS;"
              f" medians of {args.runs} run(s)", flush=True)
        side = medians([
            side_run(workdir, args.side_products, args.quota, args.window_ms, run)
            for run in range(args.runs)
        ])
        for who, label in (("stagingpro", "StagingPro apply"),
                           ("script", "per-item script (bigcommerce client)")):
            print(f"  {label:38} {side[f'{who}_requests']:6.0f} requests"
                  f" ({side[f'{who}_writes']:.0f} writes), {side[f'{who}_seconds']:6.1f} s"
                  f" (real time ≈ {side[f'{who}_seconds'] * scale / 60:.1f} min),"
                  f" 429 answered {side[f'{who}_answered_429']:.0f}")
        print(f"  → StagingPro: {side['script_requests'] / side['stagingpro_requests']:.1f}×"
              f" fewer requests, {side['script_seconds'] / side['stagingpro_seconds']:.1f}×"
              f" faster")


if __name__ == "__main__":
    main()
