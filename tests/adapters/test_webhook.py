"""Webhooks against the sandbox: the example store's hooks written with header values from
environment variables and read back equal without any value; header sources; updates,
deletes, lost and repeated creates, a missing variable, other API accounts, read-only."""

from __future__ import annotations

import pytest

from reconciler.adapters.base import IdMaps, LiveContext
from reconciler.adapters.webhook import SECRET_MAP_HEADER, adapter, hook_data
from reconciler.config import SandboxBackend
from reconciler.live import connect
from reconciler.plan.model import Change
from reconciler.secrets import redact
from reconciler.state import DeclaredState
from tests.adapters.conftest import STORE, Harness, all_applied, create, delete, update
from tests.adapters.content_support import assert_round_trip, grant, losing_context, read_only

pytestmark = pytest.mark.anyio

SECRETS = {
    "RIDGELINE_STAGING_HOOK_SECRET": "s3cret-signing-key-staging",
    "ERP_HOOK_TOKEN": "Bearer erp-token-123456",
}
DESTINATION = "https://hooks.example.com/bc"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def hook(scope: str = "store/product/created", **extra: object) -> Change:
    key = f"{scope} {DESTINATION}"
    return Change("webhook", key, "create",
                  desired={"scope": scope, "destination": DESTINATION, **extra})


async def test_hooks_written_read_back_equal_without_values(
    harness: Harness, declared: DeclaredState
) -> None:
    items = list(declared.items["webhook"].values())
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [create(item) for item in items])
        all_applied(results)
        assert sorted(await harness.since(cursor)) == [
            ("GET", "/v3/hooks"), *[("POST", "/v3/hooks")] * len(items)]
        cursor = await harness.mark()
        live = await adapter.read(ctx)
        assert await harness.since(cursor) == [("GET", "/v3/hooks")]
        stored = await ctx.client.get("/v3/hooks")
    assert set(live) == {item.match_key for item in items}
    for item, result in zip(items, results, strict=True):
        assert_round_trip(item, live[item.match_key])
        assert live[item.match_key].owned and result.ids == live[item.match_key].ids
    # The store got the values; nothing the adapter returns holds them.
    sent = {name: value for h in stored["data"] for name, value in h["headers"].items()}
    assert sent["X-Ridgeline-Signature"] == SECRETS["RIDGELINE_STAGING_HOOK_SECRET"]
    assert sent["Authorization"] == SECRETS["ERP_HOOK_TOKEN"]
    shown = repr([(i.data, i.ids) for i in live.values()]) + repr(results)
    assert not any(secret in shown for secret in SECRETS.values())
    assert redact(SECRETS["ERP_HOOK_TOKEN"]) == "***"


def test_header_sources_come_from_the_map_header() -> None:
    data = hook_data({
        "scope": "store/order/*", "destination": DESTINATION, "is_active": True,
        "headers": {"X-Sig": "value-1", "X-Hand": "value-2",
                    SECRET_MAP_HEADER: "x-sig=SIG_SECRET"},
    })
    assert data["headers"] == {"X-Sig": {"env": "SIG_SECRET"}, "X-Hand": {"env": "?"}}


async def test_a_header_bound_to_another_variable_is_rewritten(harness: Harness) -> None:
    first = hook(headers={"X-Sig": {"env": "ERP_HOOK_TOKEN"}})
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [first]))
        live = (await adapter.read(ctx))[first.key]
        assert live.data["headers"] == {"X-Sig": {"env": "ERP_HOOK_TOKEN"}}
        wanted = {**(first.desired or {}),
                  "headers": {"X-Sig": {"env": "RIDGELINE_STAGING_HOOK_SECRET"}}}
        all_applied(await adapter.write(ctx, [
            update("webhook", first.key, wanted, live, [("headers", "X-Sig", "env")])]))
        stored = (await ctx.client.get(f"/v3/hooks/{live.ids['id']}"))["data"]["headers"]
        assert stored["X-Sig"] == SECRETS["RIDGELINE_STAGING_HOOK_SECRET"]
        assert (await adapter.read(ctx))[first.key].data["headers"] == wanted["headers"]


async def test_update_of_one_field_keeps_the_headers_and_delete_removes(
    harness: Harness,
) -> None:
    first = hook(is_active=True, headers={"X-Sig": {"env": "ERP_HOOK_TOKEN"}})
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [first]))
        live = (await adapter.read(ctx))[first.key]
        cursor = await harness.mark()
        all_applied(await adapter.write(ctx, [update(
            "webhook", first.key, {**(first.desired or {}), "is_active": False}, live,
            [("is_active",)])]))
        assert await harness.since(cursor) == [("PUT", f"/v3/hooks/{live.ids['id']}")]
        after = (await adapter.read(ctx))[first.key]
        assert after.data["is_active"] is False
        assert after.data["headers"] == {"X-Sig": {"env": "ERP_HOOK_TOKEN"}}
        all_applied(await adapter.write(ctx, [delete("webhook", after)]))
        assert await adapter.read(ctx) == {}
        all_applied(await adapter.write(ctx, [delete("webhook", after)]))


async def test_a_missing_variable_fails_the_hook_by_name_without_a_request(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ERP_HOOK_TOKEN")
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [
            hook(headers={"Authorization": {"env": "ERP_HOOK_TOKEN"}}), hook("store/cart/*")])
        sent = await harness.since(cursor)
    assert [r.outcome for r in results] == ["failed", "applied"]
    assert "ERP_HOOK_TOKEN is not set" in results[0].message
    assert ("POST", "/v3/hooks") in sent and len(sent) == 2  # the list, the good hook


async def test_create_of_an_existing_hook_updates_it(harness: Harness) -> None:
    async with harness.context() as ctx:
        await ctx.client.post("/v3/hooks", {"scope": "store/product/created",
                                            "destination": DESTINATION, "is_active": False})
        all_applied(await adapter.write(ctx, [hook(is_active=True)]))
        live = await adapter.read(ctx)
    assert len(live) == 1
    assert next(iter(live.values())).data["is_active"] is True


async def test_lost_create_answer_is_not_duplicated(harness: Harness) -> None:
    async with losing_context(harness, "POST", "/v3/hooks") as ctx:
        results = await adapter.write(ctx, [hook()])
        all_applied(results)
        live = await adapter.read(ctx)
    assert len(live) == 1 and results[0].ids == next(iter(live.values())).ids


async def test_another_api_account_sees_none_of_them(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with harness.context() as ctx:
        all_applied(await adapter.write(ctx, [hook()]))
    await grant(harness, "other-app-token", "*", client_id="other-app")
    monkeypatch.setenv("OTHER_APP_TOKEN", "other-app-token")
    other = connect("other", SandboxBackend(sandbox=STORE, token_env="OTHER_APP_TOKEN"),
                    transport=harness.sandbox.transport, clock=harness.sandbox.clock)
    async with harness.context() as ctx, other:
        assert await adapter.read(LiveContext(other, IdMaps(), ctx.environment)) == {}
        assert len(await adapter.read(ctx)) == 1


async def test_a_token_with_any_scope_manages_hooks(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BigCommerce's spec requires no scope for webhooks (the API account's default)."""
    await read_only(harness, monkeypatch, "store_v2_content")
    async with harness.context("readonly") as ctx:
        assert await adapter.read(ctx) == {}
        all_applied(await adapter.write(ctx, [hook()]))


async def test_a_variable_outside_the_allow_list_is_never_read_or_sent(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last guard, for a plan file edited to name the store token: the hook fails by
    the variable's name and nothing is sent."""
    monkeypatch.setenv("BC_PRODUCTION_TOKEN", "production-token-value")
    async with harness.context() as ctx:
        cursor = await harness.mark()
        results = await adapter.write(ctx, [
            hook(headers={"Authorization": {"env": "BC_PRODUCTION_TOKEN"}}),
            hook("store/cart/*", destination=f"{DESTINATION}?t={{env: BC_PRODUCTION_TOKEN}}")])
        sent = await harness.since(cursor, query=True)
    assert [r.outcome for r in results] == ["failed", "failed"]
    assert all("BC_PRODUCTION_TOKEN is not in this environment's secrets allow-list"
               in r.message for r in results)
    assert [method for method, _ in sent] == ["GET"]  # the list; no write
