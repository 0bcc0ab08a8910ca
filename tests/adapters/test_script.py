"""Scripts against the sandbox: the example store's scripts written and read back equal;
visibility per API account; updates (including a change of kind), deletes, lost and
repeated creates, the 10-scripts-per-app limit failing alone, a read-only token."""

from __future__ import annotations

import pytest

from reconciler.adapters.base import IdMaps, LiveContext
from reconciler.adapters.script import adapter
from reconciler.config import SandboxBackend
from reconciler.live import connect
from reconciler.plan.model import Change
from reconciler.state import DeclaredState
from tests.adapters.conftest import STORE, Harness, all_applied, create, delete, update
from tests.adapters.content_support import assert_round_trip, grant, losing_context, read_only

pytestmark = pytest.mark.anyio


def tag(number: int) -> Change:
    name = f"Tag {number}"
    return Change("script", name, "create", desired={
        "name": name, "kind": "script_tag", "html": f"<script>window.t{number}=1;</script>"})


async def test_scripts_written_read_back_equal(harness: Harness, declared: DeclaredState) -> None:
    items = list(declared.items["script"].values())
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item) for item in items])
        all_applied(results)
        assert sorted(await harness.since(cursor)) == [
            ("GET", "/v3/content/scripts"), *[("POST", "/v3/content/scripts")] * len(items)]
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        assert await harness.since(cursor) == [("GET", "/v3/content/scripts")]
    assert set(live) == {item.match_key for item in items}
    for item, result in zip(items, results, strict=True):
        assert_round_trip(item, live[item.match_key])
        assert live[item.match_key].owned
        assert result.ids == live[item.match_key].ids


async def test_another_api_account_sees_none_of_them(
    harness: Harness, declared: DeclaredState, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = list(declared.items["script"].values())
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [create(item) for item in items]))
    await grant(harness, "other-app-token", "*", client_id="other-app")
    monkeypatch.setenv("OTHER_APP_TOKEN", "other-app-token")
    other = connect("other", SandboxBackend(sandbox=STORE, token_env="OTHER_APP_TOKEN"),
                    transport=harness.sandbox.transport, clock=harness.sandbox.clock)
    async with harness.context() as ctx, other:
        other_ctx = LiveContext(other, IdMaps(), ctx.environment)
        assert await adapter.read(other_ctx) == {}
        # The other app's own script does not show up for StagingPro's account either.
        all_applied(await adapter.write(other_ctx, [tag(1)]))
        assert set(await adapter.read(other_ctx)) == {"Tag 1"}
        assert set(await adapter.read(ctx)) == {item.match_key for item in items}


async def test_updates_deletes_and_a_change_of_kind(
    harness: Harness, declared: DeclaredState
) -> None:
    analytics = declared.items["script"]["Storefront analytics"]
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [create(analytics)]))
        live = (await adapter.read(ctx))[analytics.match_key]
        values = {"name": analytics.key, "kind": "script_tag", "load_method": "default",
                  "html": "<script>window.a=1;</script>"}
        change = update("script", analytics.key, values, live, [("kind",), ("html",),
                                                                 ("load_method",)])
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [change]))
        assert await harness.since(cursor) == [("PUT", f"/v3/content/scripts/{live.ids['uuid']}")]
        after = (await adapter.read(ctx))[analytics.match_key]
        assert after.data["kind"] == "script_tag" and "src" not in after.data
        assert after.data["html"] == values["html"]
        assert after.data["location"] == "head"  # not sent, left as it was
        all_applied(await adapter.write(ctx, [delete("script", after)]))
        assert await adapter.read(ctx) == {}
        all_applied(await adapter.write(ctx, [delete("script", after)]))


async def test_create_of_an_existing_name_updates_it(harness: Harness) -> None:
    async with harness.context() as ctx:
        await ctx.client.post("/v3/content/scripts", {
            "name": "Tag 1", "kind": "script_tag", "html": "<script>old()</script>"})
        all_applied(await adapter.write(ctx, [tag(1)]))
        live = await adapter.read(ctx)
    assert len(live) == 1 and live["Tag 1"].data["html"] == "<script>window.t1=1;</script>"


async def test_lost_create_answer_is_not_duplicated(harness: Harness) -> None:
    async with losing_context(harness, "POST", "/v3/content/scripts") as ctx:
        results = await adapter.write(ctx, [tag(1)])
        all_applied(results)
        live = await adapter.read(ctx)
    assert list(live) == ["Tag 1"] and results[0].ids == live["Tag 1"].ids


async def test_the_eleventh_script_fails_alone(harness: Harness) -> None:
    async with harness.context() as ctx:
        results = await adapter.write(ctx, [tag(n) for n in range(11)])
        assert len(await adapter.read(ctx)) == 10
    refused = [r for r in results if r.outcome == "failed"]
    assert len(refused) == 1
    assert refused[0].detail is not None and refused[0].detail.status == 422
    assert "10 scripts" in refused[0].message or "10" in str(refused[0].detail.errors)


async def test_read_only_token_reads_but_cannot_write(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await read_only(harness, monkeypatch, "store_v2_content")
    async with harness.context("readonly") as ctx:
        assert await adapter.read(ctx) == {}
        results = await adapter.write(ctx, [tag(1)])
    assert results[0].outcome == "failed"
    assert results[0].detail is not None and results[0].detail.status == 403
    assert "store_v2_content" in results[0].message
