"""Latency of ``stagingpro sandbox serve``: sequential small GETs over one kept-alive
connection, HTTP and HTTPS.

Each request is ``GET /stores/{hash}/v2/time`` (a few bytes each way), sent only after
the previous answer arrived. Prints, per scheme, the median and p95 per request and the
requests per second. Target: median < 3 ms (with Nagle's algorithm left on, every request
waited ~44 ms for the client's delayed ACK).

    .venv/bin/python bench/serve_latency.py                 # 2000 requests per scheme
    .venv/bin/python bench/serve_latency.py --requests 500
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from served_sandbox import ServedSandbox

from reconciler.sandbox.stores import DEFAULT_TOKEN

STORE = "latency"
TARGET_MS = 3.0


def measure(served: ServedSandbox, requests: int) -> list[float]:
    """Seconds per request, over one connection (after a warm-up of 50)."""
    served.admin("POST", "/_sandbox/stores", json={"store_hash": STORE})
    path = f"/stores/{STORE}/v2/time"
    with httpx.Client(base_url=served.url, headers={"X-Auth-Token": DEFAULT_TOKEN}) as client:
        for _ in range(50):
            client.get(path).raise_for_status()
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            samples.append(time.perf_counter() - started)
    return samples


def report(scheme: str, samples: list[float]) -> bool:
    median_ms = statistics.median(samples) * 1000
    p95_ms = statistics.quantiles(samples, n=20)[-1] * 1000
    per_second = len(samples) / sum(samples)
    verdict = "ok" if median_ms < TARGET_MS else f"OVER the {TARGET_MS} ms target"
    print(f"{scheme:5} median {median_ms:.2f} ms  p95 {p95_ms:.2f} ms  "
          f"{per_second:.0f} requests/s  ({len(samples)} requests; {verdict})")
    return median_ms < TARGET_MS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    met = True
    with tempfile.TemporaryDirectory() as workdir:
        for https in (False, True):
            work = Path(workdir) / ("https" if https else "http")
            served = ServedSandbox(work / "sandbox.db", work, https=https)
            try:
                met = report("https" if https else "http", measure(served, args.requests)) and met
            finally:
                served.stop()
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
