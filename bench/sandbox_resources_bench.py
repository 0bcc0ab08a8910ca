"""Benchmark the sandbox's non-catalogue resources: writes in the largest batches the API
takes and full-page reads on large stores, in-process (Starlette's test client).

Builds one store (SQLite file in a temporary directory) with ``--customers`` customers (one
address each, written 10 per POST), ``--orders`` orders, ``--records`` price records (one
per simple product, upserted 1000 per PUT), 4,000 pages (one bulk POST) and ``--redirects``
redirects (1000 per PUT), and prints the median time of:

* ``GET /v3/customers?limit=250&include=addresses,storecredit,attributes`` (a middle page)
  and an ``email:in`` lookup of 50 emails;
* ``GET /v2/orders?limit=250`` (first page, and filtered by ``min_date_created``);
* ``PUT /v3/pricelists/{id}/records`` of 1000 records by SKU, ``GET .../records?limit=250``
  and a ``sku:in`` lookup of 100 SKUs;
* ``GET /v3/content/pages?limit=250&include=body`` and
  ``GET /v3/storefront/redirects?limit=250&include=to_url``.

    python bench/sandbox_resources_bench.py
    python bench/sandbox_resources_bench.py --customers 2000 --orders 500 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.resources.catalog_documents import create_product
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store

STORE = "/stores/bench"
HEADERS = {"X-Auth-Token": DEFAULT_TOKEN, "Accept": "application/json"}


def median_ms(runs: int, call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    times: list[float] = []
    response = call()  # warm-up, not counted
    for _ in range(runs):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code < 300, response.text[:300]
    return statistics.median(times), response


def report(label: str, runs: int, call: Callable[[], httpx.Response]) -> None:
    ms, response = median_ms(runs, call)
    print(f"  {label:<62} {ms:8.1f} ms  ({len(response.content) / 1024:.0f} KiB)")


def timed(label: str, action: Callable[[], None]) -> None:
    started = time.perf_counter()
    action()
    print(f"  {label:<62} {time.perf_counter() - started:8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--redirects", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        db = SandboxDB(Path(folder) / "bench.db")
        create_store(db, "bench")
        client = TestClient(SandboxApp(db), base_url="https://sandbox.test")

        def post(path: str, body: object) -> httpx.Response:
            response: httpx.Response = client.post(STORE + path, json=body, headers=HEADERS)
            assert response.status_code < 300, response.text[:300]
            return response

        def put(path: str, body: object) -> httpx.Response:
            response: httpx.Response = client.put(STORE + path, json=body, headers=HEADERS)
            assert response.status_code < 300, response.text[:300]
            return response

        def get(path: str, **params: object) -> Callable[[], httpx.Response]:
            return lambda: client.get(STORE + path, params=params, headers=HEADERS)

        print("seeding")

        def seed_customers() -> None:
            for start in range(0, args.customers, 10):
                post(
                    "/v3/customers",
                    [
                        {
                            "email": f"customer{n}@example.com",
                            "first_name": "Bench",
                            "last_name": f"Customer {n}",
                            "addresses": [
                                {
                                    "first_name": "Bench",
                                    "last_name": f"Customer {n}",
                                    "address1": f"{n} Loop Road",
                                    "city": "Springfield",
                                    "state_or_province": "Oregon",
                                    "postal_code": "97477",
                                    "country_code": "US",
                                }
                            ],
                        }
                        for n in range(start, min(start + 10, args.customers))
                    ],
                )

        timed(f"{args.customers} customers, 10 per POST /v3/customers", seed_customers)

        def seed_orders() -> None:
            for n in range(args.orders):
                post(
                    "/v2/orders",
                    {
                        "billing_address": {"zip": "97477", "email": f"customer{n}@example.com"},
                        "products": [
                            {
                                "name": "Bench item",
                                "quantity": 2,
                                "price_ex_tax": 9.5,
                                "price_inc_tax": 10.45,
                            }
                        ],
                    },
                )

        timed(f"{args.orders} orders, one POST /v2/orders each", seed_orders)
        store = db.store("bench")

        def seed_products() -> None:
            for n in range(args.records):
                create_product(
                    store,
                    {
                        "name": f"Bench product {n}",
                        "type": "physical",
                        "weight": 1,
                        "price": 20,
                        "sku": f"BENCH-{n:06d}",
                    },
                )
            db.commit()

        timed(f"{args.records} simple products (library call)", seed_products)
        list_id = post("/v3/pricelists", {"name": "Bench"}).json()["data"]["id"]
        records = [
            {"sku": f"BENCH-{n:06d}", "currency": "usd", "price": 15} for n in range(args.records)
        ]

        def seed_records() -> None:
            for start in range(0, len(records), 1000):
                put(f"/v3/pricelists/{list_id}/records", records[start : start + 1000])

        timed(f"{args.records} price records, 1000 per PUT", seed_records)
        pages = [{"name": f"Page {n}", "type": "page", "body": "<p>Bench</p>"} for n in range(4000)]

        def seed_pages() -> None:
            post("/v3/content/pages", pages)

        timed("4000 pages in one POST /v3/content/pages", seed_pages)
        redirects = [
            {"from_path": f"/old/{n}", "site_id": 1000, "to": {"type": "url", "url": f"/new/{n}"}}
            for n in range(args.redirects)
        ]

        def seed_redirects() -> None:
            for start in range(0, len(redirects), 1000):
                put("/v3/storefront/redirects", redirects[start : start + 1000])

        timed(f"{args.redirects} redirects, 1000 per PUT", seed_redirects)

        runs = args.runs
        middle = max(1, args.customers // 250 // 2)
        print(f"reading (median of {runs})")
        report(
            f"GET 250 customers include=addresses,storecredit,attributes p{middle}",
            runs,
            get(
                "/v3/customers", limit=250, page=middle, include="addresses,storecredit,attributes"
            ),
        )
        emails = ",".join(
            f"customer{n}@example.com"
            for n in range(0, args.customers, max(1, args.customers // 50))
        )
        report(
            "GET customers email:in (50 emails)", runs, get("/v3/customers", **{"email:in": emails})
        )
        report("GET 250 orders", runs, get("/v2/orders", limit=250))
        report(
            "GET 250 orders min_date_created",
            runs,
            get("/v2/orders", limit=250, min_date_created="2000-01-01"),
        )
        report(
            "PUT 1000 price records by SKU (update)",
            max(3, runs // 3),
            lambda: client.put(
                f"{STORE}/v3/pricelists/{list_id}/records", json=records[:1000], headers=HEADERS
            ),
        )
        report(
            "GET 250 price records include=sku (middle page)",
            runs,
            get(
                f"/v3/pricelists/{list_id}/records",
                limit=250,
                page=max(1, args.records // 500),
                include="sku",
            ),
        )
        skus = ",".join(f"BENCH-{n:06d}" for n in range(min(100, args.records)))
        report(
            "GET price records sku:in (100 SKUs)",
            runs,
            get(f"/v3/pricelists/{list_id}/records", **{"sku:in": skus}),
        )
        report(
            "GET 250 pages include=body", runs, get("/v3/content/pages", limit=250, include="body")
        )
        report(
            "GET 250 redirects include=to_url (middle page)",
            runs,
            get(
                "/v3/storefront/redirects",
                limit=250,
                page=max(1, args.redirects // 500),
                include="to_url",
            ),
        )
        client.close()
        db.close()


if __name__ == "__main__":
    main()
