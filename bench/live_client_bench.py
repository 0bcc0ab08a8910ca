"""Throughput of the live client under a store's rate limit, against the embedded sandbox.

BigCommerce Standard plans allow 150 requests per 30 s window; this scales that down
(default 15 per 3 s) so a run takes seconds. For N requests fired at once it prints,
per scenario (medians over the runs):

* ``paced``: :class:`reconciler.live.LiveClient` (rate limiter, retries);
* ``naive``: plain httpx with the same concurrency that retries a 429 after
  ``X-Retry-After``, as many scripts do: what the limiter saves the store from;

with the elapsed time, requests/s, 429s on the wire, errors reaching the caller, and the
quota-bound minimum time (``floor((N-1)/quota) * window``: every window spent in full
at once, with no reserve left for the other apps on the store), and the same minimum
when the client's reserve is left unused.

    .venv/bin/python bench/live_client_bench.py --requests 60 --runs 3
    .venv/bin/python bench/live_client_bench.py --http --latency-ms 20   # uvicorn on loopback
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from reconciler.errors import LiveError
from reconciler.live import ClientOptions, LiveClient, RateLimiter
from reconciler.live.clock import SystemClock
from reconciler.live.failures import StoreContext
from reconciler.sandbox.stores import DEFAULT_TOKEN
from reconciler.sandbox.transport import SANDBOX_BASE_URL, open_sandbox, sandbox_transport

STORE = "benchstore"
PATH = "/v2/time"


@dataclass
class Run:
    seconds: float
    wire_429: int
    caller_errors: int
    requests_on_wire: int


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


async def _admin(http: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
    response = await http.request(method, f"/_sandbox{path}", **kw)
    response.raise_for_status()
    return response.json() if response.content else None


async def prepare(admin: httpx.AsyncClient, args: argparse.Namespace) -> None:
    await _admin(admin, "POST", "/stores", json={"store_hash": STORE})
    await _admin(
        admin,
        "PUT",
        f"/stores/{STORE}/settings",
        json={
            "rate_limit": {"quota": args.quota, "window_ms": args.window_ms},
            "faults": {"latency_ms": args.latency_ms, "jitter_ms": args.latency_ms / 2},
        },
    )


async def wire_statuses(admin: httpx.AsyncClient) -> list[int]:
    body = await _admin(admin, "GET", f"/stores/{STORE}/requests")
    return [entry["status"] for entry in body["data"]]


async def paced(base_url: str, transport: httpx.AsyncBaseTransport | None, n: int,
                args: argparse.Namespace) -> int:
    client = LiveClient(
        f"{base_url}/stores/{STORE}",
        DEFAULT_TOKEN,
        context=StoreContext("bench", STORE),
        options=ClientOptions(
            concurrency=args.concurrency, seed=1, reserve_fraction=args.reserve_fraction
        ),
        transport=transport,
    )
    async with client:
        results = await asyncio.gather(*(client.get(PATH) for _ in range(n)),
                                       return_exceptions=True)
    return sum(isinstance(r, LiveError) for r in results)


async def naive(base_url: str, transport: httpx.AsyncBaseTransport | None, n: int,
                args: argparse.Namespace) -> int:
    gate = asyncio.Semaphore(args.concurrency)
    errors = 0

    async def one(http: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(20):
            async with gate:
                response = await http.get(f"/stores/{STORE}{PATH}",
                                          headers={"X-Auth-Token": DEFAULT_TOKEN})
            if response.status_code != 429:
                return
            await asyncio.sleep(float(response.headers.get("X-Retry-After", "1")))
        errors += 1

    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        await asyncio.gather(*(one(http) for _ in range(n)))
    return errors


async def one_run(scenario: str, args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        app = open_sandbox(Path(tmp) / "bench.db")
        try:
            if args.http:
                with served(app) as base_url:
                    return await _measure(scenario, args, base_url, None)
            return await _measure(scenario, args, SANDBOX_BASE_URL, sandbox_transport(app))
        finally:
            app.db.close()


async def _measure(scenario: str, args: argparse.Namespace, base_url: str,
                   transport: httpx.AsyncBaseTransport | None) -> Run:
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as admin:
        await prepare(admin, args)
        started = time.perf_counter()
        run = paced if scenario == "paced" else naive
        errors = await run(base_url, transport, args.requests, args)
        seconds = time.perf_counter() - started
        statuses = await wire_statuses(admin)
    return Run(seconds, statuses.count(429), errors, len(statuses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--quota", type=int, default=15)
    parser.add_argument("--window-ms", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reserve-fraction", type=float, default=0.05,
                        help="share of the quota the paced client leaves to other apps")
    parser.add_argument("--http", action="store_true", help="uvicorn on loopback")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    window = args.window_ms / 1000
    minimum = math.floor((args.requests - 1) / args.quota) * window
    print(
        f"{args.requests} GET {PATH}, quota {args.quota} per {window:g}s, "
        f"concurrency {args.concurrency}, latency {args.latency_ms:g}ms, "
        f"{'uvicorn loopback' if args.http else 'in-process'}, {args.runs} runs (medians)"
    )
    reserve = RateLimiter(SystemClock(), reserve_fraction=args.reserve_fraction).reserve_for(
        args.quota
    )
    with_reserve = math.floor((args.requests - 1) / (args.quota - reserve)) * window
    print(f"quota-bound minimum: {minimum:.2f}s "
          f"(sustained quota rate {args.quota / window:.2f} req/s); "
          f"leaving the client's reserve of {reserve} per window: {with_reserve:.2f}s")
    print(f"{'scenario':8} {'seconds':>8} {'req/s':>7} {'vs min':>7} {'429 wire':>9} "
          f"{'errors':>7} {'on wire':>8}")
    for scenario in ("paced", *(() if args.skip_naive else ("naive",))):
        runs = [asyncio.run(one_run(scenario, args)) for _ in range(args.runs)]
        seconds = statistics.median(r.seconds for r in runs)
        print(
            f"{scenario:8} {seconds:8.2f} {args.requests / seconds:7.2f} "
            f"{(seconds / minimum if minimum else float('nan')):7.2f} "
            f"{statistics.median(r.wire_429 for r in runs):9g} "
            f"{statistics.median(r.caller_errors for r in runs):7g} "
            f"{statistics.median(r.requests_on_wire for r in runs):8g}"
        )


if __name__ == "__main__":
    main()
