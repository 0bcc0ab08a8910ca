"""Benchmark the sandbox as users meet it: seeding, reading full pages, restarting, and the
cost of the test suite's OpenAPI conformance checks.

Prints medians (over ``--runs``) of:

* seeding ``--products`` products with :func:`reconciler.sandbox.seed.seed_store` (what
  ``stagingpro sandbox seed`` does: every product through ``POST /v3/catalog/products``
  in process) into a fresh SQLite file — target < 60 s for 10,000;
* ``GET /v3/catalog/products?limit=250&include=variants,images,custom_fields`` in process
  through the httpx transport, over every page of that store — target < 200 ms;
* opening the file again (what a restarted ``sandbox serve`` or CLI pays);
* the conformance harness: building its path index and all 21 specs (what each xdist
  worker pays at most), and checking one 250-product page.

    .venv/bin/python bench/sandbox_bench.py                     # 10,000 products
    .venv/bin/python bench/sandbox_bench.py --products 2000 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.sandbox.conformance

from reconciler.sandbox.app import SandboxApp  # noqa: E402
from reconciler.sandbox.seed import seed_store  # noqa: E402
from reconciler.sandbox.storage import SandboxDB  # noqa: E402
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store  # noqa: E402
from reconciler.sandbox.transport import SANDBOX_BASE_URL, SandboxTransport  # noqa: E402

STORE = "bench"
INCLUDE = "variants,images,custom_fields"


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f} ms"


async def _pages(app: SandboxApp) -> tuple[list[float], httpx.Response]:
    timings: list[float] = []
    async with httpx.AsyncClient(
        transport=SandboxTransport(app),
        base_url=SANDBOX_BASE_URL,
        headers={"X-Auth-Token": DEFAULT_TOKEN},
    ) as client:
        page, last = 1, None
        while True:
            started = time.perf_counter()
            response = await client.get(
                f"/stores/{STORE}/v3/catalog/products",
                params={"limit": 250, "page": page, "include": INCLUDE},
            )
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
            last = response
            if page >= response.json()["meta"]["pagination"]["total_pages"]:
                return timings, last
            page += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1, help="seeding runs (fresh file each)")
    args = parser.parse_args()

    seed_seconds: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            db = SandboxDB(Path(folder) / f"run{run}.db")
            create_store(db, STORE)
            report = asyncio.run(seed_store(SandboxApp(db), STORE, args.products, seed=run))
            seed_seconds.append(report.seconds)
            db.close()
        path = Path(folder) / f"run{args.runs - 1}.db"
        print(
            f"seed {args.products} products ({report.variants} variants, {report.requests} "
            f"requests): median {statistics.median(seed_seconds):.1f} s "
            f"({args.products / statistics.median(seed_seconds):.0f} products/s), "
            f"file {path.stat().st_size / 1e6:.0f} MB"
        )

        opened: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            db = SandboxDB(path)
            opened.append(time.perf_counter() - started)
            db.close()
        print(f"open the file again (restart): median {_median_ms(opened)}")

        db = SandboxDB(path)
        app = SandboxApp(db)
        asyncio.run(_pages(app))  # warm-up
        timings, page = asyncio.run(_pages(app))
        print(
            f"GET 250 products include={INCLUDE}: median {_median_ms(timings)} over "
            f"{len(timings)} pages (max {max(timings) * 1000:.1f} ms, "
            f"{len(page.content) / 1e6:.1f} MB a page)"
        )
        db.close()

    from tests.sandbox.conformance import ConformanceChecker, Exchange, openapi_dir

    if not openapi_dir().is_dir():
        print(f"conformance: skipped, {openapi_dir()} is absent")
        return
    started = time.perf_counter()
    checker = ConformanceChecker(openapi_dir())
    indexed = time.perf_counter() - started
    for name in checker.spec_names:
        checker.api(name)
    print(
        f"conformance: index of {len(checker.spec_names)} specs {indexed * 1000:.0f} ms, "
        f"all specs ready {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    exchange = Exchange(
        "GET", f"/stores/{STORE}/v3/catalog/products", 200, "application/json", page.content
    )
    checks: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        checker.check(exchange)
        checks.append(time.perf_counter() - started)
    print(f"conformance: check one 250-product page: median {_median_ms(checks)}")


if __name__ == "__main__":
    main()
