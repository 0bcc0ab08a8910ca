"""End to end through the planner: the example store written to an empty sandbox by the
adapters plans to no change for the content and settings kinds; a changed page, script,
webhook header source and theme file plan to exactly those updates, and applying them
converges again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.adapters.base import ItemResult, LiveContext
from reconciler.adapters.registry import adapter_for
from reconciler.config import effective_environment
from reconciler.kinds.registry import KINDS
from reconciler.live import LiveClient
from reconciler.plan.build import compute_plan
from reconciler.plan.model import Plan
from reconciler.plan.read import read_live
from reconciler.state import DeclaredState, load_state
from tests.adapters.conftest import CONFIG, STATE_ROOT, Harness

pytestmark = pytest.mark.anyio

CONTENT = ("customer_group", "page", "redirect", "script", "webhook", "theme")


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIDGELINE_STAGING_HOOK_SECRET", "staging-signing-secret")
    monkeypatch.setenv("ERP_HOOK_TOKEN", "erp-token-secret")
    monkeypatch.setenv("OTHER_HOOK_SECRET", "another-secret-value")


async def plan(client: LiveClient, declared: DeclaredState) -> tuple[Plan, LiveContext]:
    env = effective_environment(CONFIG, "staging")
    keys = {kind: frozenset(items) for kind, items in declared.items.items()}
    live = await read_live(client, env, list(KINDS), keys)
    ctx = LiveContext(client, live.ids, env, keys, state_root=declared.root)
    return compute_plan(declared, live.items, env, kinds=list(KINDS)), ctx


async def apply(plan_: Plan, ctx: LiveContext) -> list[ItemResult]:
    """Apply a plan kind by kind, action by action (what the applier does, minus records)."""
    results: list[ItemResult] = []
    for kind in KINDS:
        for action in ("create", "update"):
            changes = [c for c in plan_.changes if c.kind == kind.name and c.action == action]
            if changes:
                results += await adapter_for(kind.name).write(ctx, changes)
    return results


def content_counts(plan_: Plan) -> dict[str, dict[str, int]]:
    return {kind: n for kind, n in plan_.counts().items() if kind in CONTENT}


async def test_written_store_plans_to_no_change_and_edits_plan_exactly(
    harness: Harness, tmp_path: Path
) -> None:
    root = tmp_path / "store-state"
    shutil.copytree(STATE_ROOT, root)
    declared = load_state(root, "staging")
    async with harness.context() as first:
        initial, ctx = await plan(first.client, declared)
        assert {k: n["create"] for k, n in content_counts(initial).items()} == {
            kind: len(declared.items[kind]) for kind in CONTENT}
        results = await apply(initial, ctx)
        assert [r.key for r in results if r.outcome != "applied"] == []
        again, _ = await plan(first.client, declared)
        assert content_counts(again) == {}

        pages = root / "content" / "pages" / "pages.yaml"
        pages.write_text(pages.read_text().replace("since 2009", "since 2008"))
        scripts = root / "content" / "scripts" / "scripts.yaml"
        scripts.write_text(scripts.read_text().replace("location: footer", "location: head"))
        hooks = root / "webhooks" / "webhooks.yaml"
        hooks.write_text(hooks.read_text().replace("env: ERP_HOOK_TOKEN", "env: OTHER_HOOK_SECRET"))
        home = root / "themes" / "ridgeline" / "templates" / "pages" / "home.html"
        home.write_text(home.read_text() + "\n<p>Winter sale</p>\n")
        edited = load_state(root, "staging")
        changed, ctx = await plan(first.client, edited)
        assert content_counts(changed) == {
            kind: {"create": 0, "update": 1, "delete": 0, "blocked": 0}
            for kind in ("page", "script", "webhook", "theme")
        }
        paths = {c.kind: [f.path for f in c.fields] for c in changed.changes}
        assert paths["page"] == [("body",)]
        assert paths["script"] == [("location",)]
        assert paths["webhook"] == [("headers", "authorization", "env")]
        assert paths["theme"] == [("content_hash",)]
        results = await apply(changed, ctx)
        assert [r.key for r in results if r.outcome != "applied"] == []
        settled, _ = await plan(first.client, edited)
        assert content_counts(settled) == {}
