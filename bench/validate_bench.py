"""Benchmark ``stagingpro validate`` on a generated store of N products.

Generates a state tree in a temporary directory: ``--products`` product files (~1.2 KB
each: options, variants, images by URL, custom fields), brands, a category tree,
``stagingpro.yaml`` with two environments and an overlay patching a few products. Then
runs ``stagingpro validate`` as a subprocess ``--runs`` times and prints the median wall
time, the median CPU time (the command and its parse workers; steadier than wall time
when other processes share the cores) and the peak RSS of the child processes, followed
by an in-process breakdown of one load (discover, parse, validate, overlays,
cross-checks).

Targets on the 2-core reference machine: 10,000 products < 5 s and < 1 GB; 50,000
products < 25 s.

    python bench/validate_bench.py                 # 10,000 products
    python bench/validate_bench.py --products 50000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reconciler.state import validate_state

HEADER = "# yaml-language-server: $schema=../../../schemas/products.schema.json\n"
BRANDS = 40
TOP_CATEGORIES = ["Footwear", "Apparel", "Equipment", "Accessories", "Outlet"]
SUB_CATEGORIES = ["Trail", "Road", "Hiking", "Winter", "Kids", "Women", "Men", "Sale"]


def product_yaml(index: int) -> str:
    """One realistic product file of about 1.2 KB."""
    sku = f"SKU-{index:06d}"
    brand = f"Brand {index % BRANDS:02d}"
    top = TOP_CATEGORIES[index % len(TOP_CATEGORIES)]
    sub = SUB_CATEGORIES[index % len(SUB_CATEGORIES)]
    price = 10 + (index * 7919) % 400 + 0.99
    return f"""{HEADER}sku: {sku}
name: Product {index:06d} {sub} {top}
type: physical
price: {price:.2f}
sale_price: {price * 0.9:.2f}
weight: {1 + index % 5}.25
brand: {brand}
categories: [{top}, {top}/{sub}]
description: "<p>Hard-wearing {sub.lower()} gear for everyday use, tested on long days out.</p>"
meta_description: {sub} {top.lower()} product {index} from {brand}, built to last
search_keywords: {sub.lower()}, {top.lower()}, outdoor, {brand.lower()}
inventory_tracking: variant
is_visible: true
options:
  - display_name: Size
    type: dropdown
    values:
      - label: S
      - label: M
      - label: L
variants:
  - sku: {sku}-S
    option_values: {{Size: S}}
    inventory_level: {index % 50}
  - sku: {sku}-M
    option_values: {{Size: M}}
    inventory_level: {index % 40}
  - sku: {sku}-L
    option_values: {{Size: L}}
    inventory_level: {index % 30}
    price: {price + 5:.2f}
images:
  - url: https://cdn.example.com/products/{sku.lower()}/main.jpg
    is_thumbnail: true
  - url: https://cdn.example.com/products/{sku.lower()}/side.jpg
custom_fields:
  - name: Material
    value: Recycled polyester
  - name: Season
    value: All year
"""


def generate(root: Path, products: int) -> None:
    """Write a complete, valid state tree with ``products`` products under ``root``."""
    (root / "stagingpro.yaml").write_text(
        "version: 1\nenvironments:\n"
        "  production:\n    backend: {sandbox: bench-prod}\n"
        "  staging:\n    backend: {sandbox: bench-staging}\n",
        encoding="utf-8",
    )
    brands = root / "catalog" / "brands"
    brands.mkdir(parents=True)
    (brands / "brands.yaml").write_text(
        "brands:\n" + "".join(f"  - name: Brand {i:02d}\n" for i in range(BRANDS)),
        encoding="utf-8",
    )
    categories = root / "catalog" / "categories"
    categories.mkdir(parents=True)
    paths = [*TOP_CATEGORIES, *(f"{t}/{s}" for t in TOP_CATEGORIES for s in SUB_CATEGORIES)]
    (categories / "tree.yaml").write_text(
        "categories:\n" + "".join(f"  - path: {p}\n" for p in paths), encoding="utf-8"
    )
    folder = root / "catalog" / "products"
    folder.mkdir(parents=True)
    for index in range(products):
        # Spread files over subfolders as a large catalogue would be organised.
        sub = folder / f"{index // 1000:03d}"
        if index % 1000 == 0:
            sub.mkdir()
        (sub / f"sku-{index:06d}.yaml").write_text(product_yaml(index), encoding="utf-8")
    overlay = root / "environments" / "staging"
    overlay.mkdir(parents=True)
    patches = "".join(
        f"    SKU-{i:06d}:\n      price: 1.00\n" for i in range(0, products, max(1, products // 20))
    )
    (overlay / "overlay.yaml").write_text(f"patch:\n  products:\n{patches}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="stagingpro-bench-"))
    root = workdir / "store-state"
    root.mkdir()
    started = time.perf_counter()
    generate(root, args.products)
    size = sum(p.stat().st_size for p in root.rglob("*.yaml"))
    print(
        f"generated {args.products} products ({size / 1e6:.1f} MB of YAML,"
        f" {size / max(args.products, 1):.0f} B per file on average)"
        f" in {time.perf_counter() - started:.1f} s at {root}"
    )
    command = [sys.executable, "-m", "reconciler.cli.app", "validate", "--state", str(root)]
    stagingpro = shutil.which("stagingpro", path=str(Path(sys.executable).parent))
    if stagingpro:
        command = [stagingpro, "validate", "--state", str(root)]
    times: list[float] = []
    cpu: list[float] = []
    for run in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time of the command and its parse workers: unlike wall time, it does not
        # grow when other processes compete for the cores.
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if result.returncode != 0:
            print(result.stdout[-2000:], result.stderr[-2000:], sep="\n")
            print(f"run {run + 1}: validate exited {result.returncode}")
            return 1
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"stagingpro validate: median {statistics.median(times):.2f} s wall over {args.runs}"
        f" runs ({', '.join(f'{t:.2f}' for t in times)}); median CPU"
        f" {statistics.median(cpu):.2f} s; peak RSS {peak_kb / 1024:.0f} MB"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"summary: {result.stdout.strip().splitlines()}")

    began = time.perf_counter()
    report = validate_state(root)
    total = time.perf_counter() - began
    steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.timings.items())
    print(f"in-process: {total:.2f} s total: {steps}")
    if not args.keep:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
