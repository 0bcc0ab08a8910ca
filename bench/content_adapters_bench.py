"""Benchmark the content adapters (pages, redirects) against the in-process sandbox.

Creates ``--pages`` pages and ``--redirects`` redirects in an empty sandbox store, reads
them back, updates every one, then deletes them, ``--runs`` times; prints per step the
requests sent (from the sandbox's request log) and the median wall time. The request
counts are the figure that matters on a real store (the API quota bounds it): creating,
updating and deleting N pages costs ceil(N/100) requests each, reading them ceil(N/250);
redirects the same plus one ``GET /v2/store``. Also deploys the example theme and
reports its bundle size and the requests of a first upload and of an unchanged re-deploy.

    python bench/content_adapters_bench.py
    python bench/content_adapters_bench.py --pages 4000 --redirects 10000
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

from reconciler.adapters.base import IdMaps, LiveContext
from reconciler.adapters.page import adapter as pages
from reconciler.adapters.redirect import adapter as redirects
from reconciler.adapters.theme import adapter as themes
from reconciler.adapters.theme_bundle import build_bundle
from reconciler.config import EffectiveEnvironment, Safety, SandboxBackend
from reconciler.kinds.theme import Theme
from reconciler.live import connect
from reconciler.plan.model import Change, FieldChange
from reconciler.sandbox.transport import SANDBOX_BASE_URL, open_sandbox, sandbox_transport
from reconciler.state import load_state

ROOT = Path(__file__).resolve().parents[1] / "store-state"


def page_changes(count: int) -> list[Change]:
    return [
        Change("page", f"/p{n}/", "create", desired={
            "url": f"/p{n}/", "name": f"Page {n}", "type": "page", "body": f"<p>{n}</p>"})
        for n in range(count)
    ]


def redirect_changes(count: int) -> list[Change]:
    return [
        Change("redirect", f"/r{n}/", "create", desired={
            "from_path": f"/r{n}/", "to": {"type": "url", "url": f"/to/{n}/"}})
        for n in range(count)
    ]


async def run_once(pages_n: int, redirects_n: int, db: Path) -> dict[str, tuple[int, float]]:
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
        ctx = LiveContext(client, IdMaps(), env, state_root=ROOT)

        async def step(name: str, work: Callable[[], Awaitable[Any]]) -> Any:
            before = await log_size(admin)
            started = time.perf_counter()
            result = await work()
            figures[name] = (await log_size(admin) - before, time.perf_counter() - started)
            return result

        await step("pages: create", lambda: pages.write(ctx, page_changes(pages_n)))
        live = await step("pages: read", lambda: pages.read(ctx))
        updates = [
            Change("page", k, "update", fields=(FieldChange(("sort_order",), 0, 1),),
                   desired={**item.data, "sort_order": 1}, live_ids=dict(item.ids))
            for k, item in live.items()
        ]
        await step("pages: update", lambda: pages.write(ctx, updates))
        deletes = [Change("page", k, "delete", live_ids=dict(i.ids)) for k, i in live.items()]
        await step("pages: delete", lambda: pages.write(ctx, deletes))
        await step("redirects: upsert", lambda: redirects.write(ctx, redirect_changes(redirects_n)))
        live = await step("redirects: read", lambda: redirects.read(ctx))
        deletes = [Change("redirect", k, "delete", live_ids=dict(i.ids)) for k, i in live.items()]
        await step("redirects: delete", lambda: redirects.write(ctx, deletes))
        state = load_state(ROOT, "staging")
        item = state.items["theme"]["Ridgeline"]
        deploy = Change("theme", item.key, "create",
                        desired=item.model.model_dump(mode="json", exclude_unset=True),
                        source=f"{item.source.file}:1")
        await step("theme: first deploy", lambda: themes.write(ctx, [deploy]))
        await step("theme: unchanged re-deploy", lambda: themes.write(ctx, [deploy]))
        await step("theme: read", lambda: themes.read(ctx))
    app.db.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--redirects", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs: list[dict[str, tuple[int, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            runs.append(asyncio.run(run_once(args.pages, args.redirects,
                                             Path(tmp) / f"bench-{run}.db")))
    print(f"{args.pages} pages, {args.redirects} redirects, median of {args.runs} runs")
    for name in runs[0]:
        requests = runs[0][name][0]
        seconds = statistics.median(r[name][1] for r in runs)
        print(f"  {name:28s} {requests:6d} requests  {seconds * 1000:9.1f} ms")
    theme = load_state(ROOT, "staging").items["theme"]["Ridgeline"].model
    overrides = theme.settings if isinstance(theme, Theme) else None
    bundle = build_bundle(ROOT / "themes" / "ridgeline", "Ridgeline", overrides)
    print(f"  example theme bundle: {len(bundle)} bytes")


if __name__ == "__main__":
    main()
