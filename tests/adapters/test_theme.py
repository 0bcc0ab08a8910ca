"""Themes against the sandbox: the example theme deployed (bundle, upload job, activation)
and read back with its digest; no re-upload when unchanged; a changed folder uploads again;
the 20-theme limit removes only StagingPro's oldest spare upload; failed jobs; bounded
polling; rollback by re-activation; deletes; a read-only token."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.adapters.theme import CONTENT_HASH, POLL_DELAYS, adapter, reactivate
from reconciler.adapters.theme_bundle import theme_digest
from reconciler.config import effective_environment
from reconciler.live import ClientOptions, connect
from reconciler.plan.model import Change
from reconciler.state import DeclaredItem, DeclaredState
from tests.adapters.conftest import CONFIG, STATE_ROOT, Harness, all_applied, create, delete
from tests.adapters.content_support import assert_round_trip, canonical, grant

pytestmark = pytest.mark.anyio

UPLOAD_FLOW = [
    ("GET", "/v3/channels/1/active-theme"),
    ("GET", "/v3/themes"),
    ("POST", "/v3/themes"),
    ("GET", "/v3/themes/jobs/*"),
    ("GET", "/v3/themes/*"),
    ("POST", "/v3/themes/actions/activate"),
]


def ridgeline(declared: DeclaredState) -> DeclaredItem:
    return declared.items["theme"]["Ridgeline"]


def shape(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Requests with ids replaced by ``*`` (uuids differ per run)."""
    out = []
    for method, path in requests:
        parts = path.split("/")
        if len(parts) > 3 and parts[2] == "themes" and parts[3] not in ("actions",):
            parts = [*parts[:3], "jobs", "*"] if parts[3] == "jobs" else [*parts[:3], "*"]
        out.append((method, "/".join(parts)))
    return out


def copy_state(tmp_path: Path) -> Path:
    """A state root holding a copy of the example theme (to change its files)."""
    root = tmp_path / "state"
    shutil.copytree(STATE_ROOT / "themes" / "ridgeline", root / "themes" / "ridgeline")
    return root


def in_root(ctx: LiveContext, root: Path) -> LiveContext:
    return LiveContext(ctx.client, ctx.ids, ctx.environment, ctx.declared_keys, state_root=root)


def declared_ctx(ctx: LiveContext) -> LiveContext:
    return LiveContext(ctx.client, IdMaps(), ctx.environment, {"theme": frozenset({"Ridgeline"})},
                       state_root=ctx.state_root)


async def upload_plain(ctx: LiveContext, name: str) -> str:
    """Upload a theme as someone else would (no StagingPro marker); its uuid."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        config = {"name": name, "version": "1.0.0", "meta": {"author_name": "Someone"},
                  "variations": [{"name": "Only", "id": "o"}]}
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("templates/pages/home.html", "<p>home</p>")
    answer = await ctx.client.send(
        "POST", "/v3/themes", files={"file": ("t.zip", buffer.getvalue(), "application/zip")})
    job = await ctx.client.get(f"/v3/themes/jobs/{answer.body['job_id']}")
    return str(job["data"]["result"]["theme_id"])


async def test_deploy_then_read_back_equal_with_digest(
    harness: Harness, declared: DeclaredState
) -> None:
    item = ridgeline(declared)
    async with harness.context() as ctx:
        stock = await adapter.read(ctx)
        assert set(stock) == {"Cornerstone"} and not stock["Cornerstone"].owned
        assert stock["Cornerstone"].data == {
            "name": "Cornerstone", "channel_id": 1, "variation": "Light"}
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item)])
        all_applied(results)
        assert shape(await harness.since(cursor)) == UPLOAD_FLOW
        cursor = await harness.mark()
        live = await adapter.read(declared_ctx(ctx))
        assert shape(await harness.since(cursor)) == [
            ("GET", "/v3/themes"), ("GET", "/v3/channels"),
            ("GET", "/v3/channels/1/active-theme"), ("GET", "/v3/themes/*")]
    assert set(live) == {"Ridgeline"}  # only live themes are items
    theme = live["Ridgeline"]
    assert theme.owned
    assert theme.data["version"] == "1.3.0" and theme.data["variation"] == "Alpine"
    assert theme.data["channel_id"] == 1
    declared_settings = canonical(item)["settings"]
    assert theme.data[CONTENT_HASH] == theme_digest(
        STATE_ROOT / "themes" / "ridgeline", declared_settings)
    # Live settings are the whole live configuration; the declared overrides hold in it.
    assert {k: theme.data["settings"][k] for k in declared_settings} == declared_settings
    projected = LiveItem(theme.key, {**theme.data, "settings": declared_settings}, theme.ids)
    assert_round_trip(item, projected, extra=[CONTENT_HASH])
    assert results[0].ids["uuid"] == theme.ids["uuid"]
    assert results[0].ids["previous"] == {
        "uuid": stock["Cornerstone"].ids["uuid"],
        "variation_uuid": stock["Cornerstone"].ids["variation_uuid"],
    }


async def test_unchanged_theme_is_reactivated_not_uploaded(
    harness: Harness, declared: DeclaredState
) -> None:
    item = ridgeline(declared)
    async with harness.context() as ctx:
        cornerstone = (await adapter.read(ctx))["Cornerstone"]
        all_applied(await adapter.write(ctx, [create(item)]))
        await reactivate(ctx.client, cornerstone.ids["uuid"], cornerstone.ids["variation_uuid"])
        # Rolled back: the uploaded theme is no live item, so the plan says create…
        assert set(await adapter.read(ctx)) == {"Cornerstone"}
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item)])
        all_applied(results)
        sent = shape(await harness.since(cursor))
        live = await adapter.read(ctx)
    # … and applying it only re-activates the upload.
    assert ("POST", "/v3/themes") not in sent
    assert "already uploaded" in results[0].message
    assert set(live) == {"Ridgeline"} and live["Ridgeline"].data["channel_id"] == 1


async def test_changed_folder_uploads_a_new_theme(
    harness: Harness, declared: DeclaredState, tmp_path: Path
) -> None:
    item = ridgeline(declared)
    root = copy_state(tmp_path)
    async with harness.context() as base:
        ctx = in_root(base, root)
        all_applied(await adapter.write(ctx, [create(item)]))
        first = (await adapter.read(ctx))["Ridgeline"]
        home = root / "themes" / "ridgeline" / "templates" / "pages" / "home.html"
        home.write_text(home.read_text() + "\n<p>new banner</p>\n")
        settings = canonical(item)["settings"]
        assert first.data[CONTENT_HASH] != theme_digest(home.parents[2], settings)
        results = await adapter.write(ctx, [create(item)])
        all_applied(results)
        second = (await adapter.read(ctx))["Ridgeline"]
        themes = (await ctx.client.get("/v3/themes"))["data"]
    assert second.data[CONTENT_HASH] == theme_digest(home.parents[2], settings)
    assert second.ids["uuid"] != first.ids["uuid"]
    assert results[0].ids["previous"]["uuid"] == first.ids["uuid"]
    assert len(themes) == 3  # stock, first upload (kept for rollback), second upload


async def test_rollback_reactivates_the_previous_theme(
    harness: Harness, declared: DeclaredState, tmp_path: Path
) -> None:
    item = ridgeline(declared)
    root = copy_state(tmp_path)
    async with harness.context() as base:
        ctx = in_root(base, root)
        all_applied(await adapter.write(ctx, [create(item)]))
        (root / "themes" / "ridgeline" / "lang" / "en.json").write_text('{"hello": "Howdy"}\n')
        deployed = await adapter.write(ctx, [create(item)])
        previous = deployed[0].ids["previous"]
        cursor = await harness.mark()
        await reactivate(ctx.client, previous["uuid"], previous["variation_uuid"])
        assert await harness.since(cursor) == [
            ("GET", "/v3/themes"), ("POST", "/v3/themes/actions/activate")]
        live = await adapter.read(ctx)
        assert live["Ridgeline"].ids["uuid"] == previous["uuid"]
        assert live["Ridgeline"].data["variation"] == "Alpine"
        with pytest.raises(Exception, match="no longer in the store"):
            await reactivate(ctx.client, "no-such-theme", previous["variation_uuid"])


async def test_theme_limit_removes_only_the_oldest_spare_upload_of_stagingpro(
    harness: Harness, declared: DeclaredState, tmp_path: Path
) -> None:
    item = ridgeline(declared)
    root = copy_state(tmp_path)
    home = root / "themes" / "ridgeline" / "templates" / "pages" / "home.html"
    async with harness.context() as base:
        ctx = in_root(base, root)
        others = [await upload_plain(ctx, f"Agency {n}") for n in range(17)]
        uploads = []
        for version in range(3):  # v0 spare, v1 previous, v2 live; 17 + 3 = 20 custom
            home.write_text(f"<p>version {version}</p>")
            result = (await adapter.write(ctx, [create(item)]))[0]
            all_applied([result])
            uploads.append(result.ids["uuid"])
        home.write_text("<p>version 3</p>")
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [create(item)]))
        sent = shape(await harness.since(cursor))
        left = {t["uuid"] for t in (await ctx.client.get("/v3/themes"))["data"]}
    assert sent.count(("DELETE", "/v3/themes/*")) == 1
    assert uploads[0] not in left
    assert {*others, uploads[1], uploads[2]} <= left


async def test_theme_limit_without_a_spare_upload_fails_and_deletes_nothing(
    harness: Harness, declared: DeclaredState
) -> None:
    async with harness.context() as ctx:
        for n in range(20):
            await upload_plain(ctx, f"Agency {n}")
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(ridgeline(declared))])
        sent = shape(await harness.since(cursor))
    assert results[0].outcome == "failed"
    assert "20 custom themes" in results[0].message
    assert not any(method == "DELETE" for method, _ in sent)
    assert ("POST", "/v3/themes") not in sent


async def test_a_refused_upload_reports_bigcommerces_error(
    harness: Harness, declared: DeclaredState, tmp_path: Path
) -> None:
    root = copy_state(tmp_path)
    shutil.rmtree(root / "themes" / "ridgeline" / "templates")
    async with harness.context() as base:
        results = await adapter.write(in_root(base, root), [create(ridgeline(declared))])
    assert results[0].outcome == "failed"
    assert "TR-600" in results[0].message


class SlowJobs(httpx.AsyncBaseTransport):
    """Answers the first ``working`` job polls with ``WORKING`` (a real upload takes time)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, working: int) -> None:
        self.inner, self.working = inner, working

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.working and request.method == "GET" and "/v3/themes/jobs/" in request.url.path:
            self.working -= 1
            body: dict[str, Any] = {"data": {"status": "WORKING", "percent_complete": 50,
                                             "errors": [], "warnings": [], "result": {}}}
            return httpx.Response(200, json=body)
        return await self.inner.handle_async_request(request)


@asynccontextmanager
async def slow_context(harness: Harness, working: int) -> AsyncIterator[LiveContext]:
    env = effective_environment(CONFIG, "staging")
    client = connect("staging", env.backend, options=ClientOptions(seed=1),
                     transport=SlowJobs(harness.sandbox.transport, working),
                     clock=harness.sandbox.clock)
    async with client:
        yield LiveContext(client, IdMaps(), env, state_root=STATE_ROOT)


async def test_job_polling_backs_off_and_is_bounded(
    harness: Harness, declared: DeclaredState
) -> None:
    clock = harness.sandbox.clock
    assert clock is not None
    async with slow_context(harness, working=4) as ctx:
        all_applied(await adapter.write(ctx, [create(ridgeline(declared))]))
    assert clock.sleeps[-4:] == list(POLL_DELAYS[:4])
    async with slow_context(harness, working=10_000) as ctx:
        item = ridgeline(declared)
        other = Change("theme", item.key, "create",
                       desired={**canonical(item), "settings": {"color-primary": "#123456"}},
                       source=f"{item.source.file}:1")
        results = await adapter.write(ctx, [other])
    assert results[0].outcome == "failed" and "still WORKING" in results[0].message


async def test_delete_is_refused_without_a_request(
    harness: Harness, declared: DeclaredState
) -> None:
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [create(ridgeline(declared))]))
        live = await adapter.read(ctx)
        cursor = await harness.mark()
        refused = await adapter.write(ctx, [delete("theme", live["Ridgeline"])])
        assert await harness.since(cursor) == []
        assert set(await adapter.read(ctx)) == {"Ridgeline"}
    assert refused[0].outcome == "failed"
    assert "never deletes a live or previously live theme" in refused[0].message


async def test_read_only_token_reads_but_cannot_deploy(
    harness: Harness, declared: DeclaredState, monkeypatch: pytest.MonkeyPatch
) -> None:
    await grant(harness, "read-only-theme-token",
                {"store_themes_manage": "read", "store_channel_settings": "read"})
    monkeypatch.setenv("SP_READONLY_TOKEN", "read-only-theme-token")
    async with harness.context("readonly") as ctx:
        assert set(await adapter.read(ctx)) == {"Cornerstone"}
        results = await adapter.write(ctx, [create(ridgeline(declared))])
    assert results[0].outcome == "failed"
    assert results[0].detail is not None and results[0].detail.status == 403
    assert "store_themes_manage" in results[0].message


async def test_the_folder_is_found_from_the_plans_source_and_directory(
    harness: Harness, declared: DeclaredState, tmp_path: Path
) -> None:
    # theme.yaml in themes/shop/, the Stencil source in themes/shop/src (``directory``).
    root = tmp_path / "state"
    shutil.copytree(STATE_ROOT / "themes" / "ridgeline", root / "themes" / "shop" / "src")
    (root / "themes" / "shop" / "src" / "theme.yaml").unlink()
    item = ridgeline(declared)
    change = Change("theme", item.key, "create",
                    desired={**canonical(item), "directory": "src"},
                    source="themes/shop/theme.yaml:3:1")
    async with harness.context() as base:
        all_applied(await adapter.write(in_root(base, root), [change]))
        live = await adapter.read(base)
    assert live["Ridgeline"].data[CONTENT_HASH] == theme_digest(
        root / "themes" / "shop" / "src", canonical(item)["settings"])
    missing = Change("theme", item.key, "create", desired={**canonical(item), "directory": "x"},
                     source="themes/shop/theme.yaml:3:1")
    async with harness.context() as base:
        results = await adapter.write(in_root(base, root), [missing])
    assert results[0].outcome == "failed" and "does not exist" in results[0].message
