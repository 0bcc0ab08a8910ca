"""End to end through the planner: the example store written to an empty sandbox by the
adapters plans to no change for the content and settings kinds; a changed page, script,
webhook header source and theme file plan to exactly those updates, and applying them
converges again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.adapters.base import ItemResult, LiveContext
from reconciler.adapters.registry import adapter_for
from reconciler.config import effective_environment
from reconciler.kinds.registry import KINDS
from reconciler.kinds.secret_refs import HIDDEN
from reconciler.live import LiveClient
from reconciler.plan.build import compute_plan
from reconciler.plan.model import Plan
from reconciler.plan.read import read_live
from reconciler.plan.serialize import plan_to_json
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


def allow(root: Path, *variables: str) -> None:
    """Add ``variables`` to the copied example store's secrets allow-list."""
    config = root / "stagingpro.yaml"
    listed = "secrets: [RIDGELINE_HOOK_SECRET, ERP_HOOK_TOKEN"
    config.write_text(config.read_text().replace(listed, ", ".join([listed, *variables])))


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
        allow(root, "OTHER_HOOK_SECRET")
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


async def test_secrets_in_scripts_destinations_and_theme_settings(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """References are resolved only in what the store receives; plans carry the
    references and never a value; a rotated value is an update (scripts, destinations:
    compared exactly where the variable is set), shown as "differs"; without the variable
    the plan compares the text around the reference."""
    root = tmp_path / "store-state"
    shutil.copytree(STATE_ROOT, root)
    allow(root, "CHAT_WIDGET_KEY")
    scripts = root / "content" / "scripts" / "scripts.yaml"
    scripts.write_text(scripts.read_text().replace(
        "team: ''support''", "team: ''support'', key: ''{env: CHAT_WIDGET_KEY}''"))
    hooks = root / "webhooks" / "webhooks.yaml"
    hooks.write_text(hooks.read_text().replace(
        "https://erp.ridgeline.example/hooks/inventory",
        "'https://erp.ridgeline.example/hooks/inventory?token={env: ERP_HOOK_TOKEN}'"))
    theme = root / "themes" / "ridgeline" / "theme.yaml"
    theme.write_text(theme.read_text() + "  maps_api_key: {env: CHAT_WIDGET_KEY}\n")
    monkeypatch.setenv("CHAT_WIDGET_KEY", "chat-key-first-value")
    declared = load_state(root, "staging")
    hook_key = ("store/product/inventory/updated"
                " https://erp.ridgeline.example/hooks/inventory?token={env: ERP_HOOK_TOKEN}")
    async with harness.context() as first:
        initial, ctx = await plan(first.client, declared)
        shown = json.dumps(plan_to_json(initial))
        assert "{env: CHAT_WIDGET_KEY}" in shown and hook_key in shown
        assert "chat-key-first-value" not in shown and "erp-token-secret" not in shown
        assert [r.key for r in await apply(initial, ctx) if r.outcome != "applied"] == []
        stored_scripts = await first.client.paginate_v3("/v3/content/scripts")
        assert any("key: 'chat-key-first-value'" in s["html"] for s in stored_scripts)
        stored_hooks = await first.client.paginate_v3("/v3/hooks")
        assert any(h["destination"].endswith("?token=erp-token-secret") for h in stored_hooks)
        again, _ = await plan(first.client, declared)
        assert content_counts(again) == {}
        live = await read_live(first.client, ctx.environment, list(KINDS),
                               {"theme": frozenset({"Ridgeline"})})
        settings = live.items["theme"]["Ridgeline"].data["settings"]
        assert settings["maps_api_key"] == "chat-key-first-value"

        monkeypatch.setenv("CHAT_WIDGET_KEY", "chat-key-rotated-value")
        monkeypatch.setenv("ERP_HOOK_TOKEN", "erp-token-rotated")
        rotated, ctx = await plan(first.client, declared)
        assert content_counts(rotated) == {
            kind: {"create": 0, "update": 1, "delete": 0, "blocked": 0}
            for kind in ("script", "webhook")
        }
        fields = {c.kind: c.fields for c in rotated.changes}
        assert [(f.path, f.before) for f in fields["script"]] == [(("html",), HIDDEN)]
        assert [(f.path, f.before) for f in fields["webhook"]] == [(("destination",), HIDDEN)]
        shown = json.dumps(plan_to_json(rotated))
        assert "chat-key-first-value" not in shown and "erp-token-secret" not in shown
        assert [r.key for r in await apply(rotated, ctx) if r.outcome != "applied"] == []
        settled, _ = await plan(first.client, declared)
        assert content_counts(settled) == {}

        monkeypatch.delenv("CHAT_WIDGET_KEY")
        unknown, _ = await plan(first.client, declared)
        assert content_counts(unknown) == {}
