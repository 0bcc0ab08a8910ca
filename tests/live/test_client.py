"""LiveClient against the real sandbox: requests, headers, JSON, statistics, lifecycle."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from reconciler.adapters.common import number
from reconciler.config import SandboxBackend
from reconciler.live import LiveClient, RequestEvent, connect
from reconciler.live.failures import StoreContext
from tests.live.conftest import Sandbox

pytestmark = pytest.mark.anyio


async def test_get_returns_parsed_json_and_counts(client: LiveClient, sandbox: Sandbox) -> None:
    info = await client.get("/v2/store")
    assert info["id"] == "teststore"
    assert client.stats.requests["GET"] == 1
    assert client.stats.bytes_received > 100
    assert await sandbox.requests() == [{"method": "GET", "path": "/v2/store", "status": 200}]


async def test_write_methods_send_json_and_return_bodies(client: LiveClient) -> None:
    created = await client.post("/v3/catalog/brands", {"name": "Ridgeline"})
    brand_id = created["data"]["id"]
    updated = await client.put(f"/v3/catalog/brands/{brand_id}", {"page_title": "Ridgeline gear"})
    assert updated["data"]["page_title"] == "Ridgeline gear"
    assert await client.delete(f"/v3/catalog/brands/{brand_id}") is None
    assert dict(client.stats.requests) == {"POST": 1, "PUT": 1, "DELETE": 1}
    assert client.stats.bytes_sent == len(b'{"name":"Ridgeline"}') + len(
        b'{"page_title":"Ridgeline gear"}'
    )


async def test_list_params_are_sent_comma_separated(client: LiveClient, sandbox: Sandbox) -> None:
    ids = [(await client.post("/v3/catalog/brands", {"name": f"B{i}"}))["data"]["id"]
           for i in range(3)]
    await sandbox.clear_requests()
    found = await client.get("/v3/catalog/brands", {"id:in": ids[:2], "include_fields": ["name"]})
    assert sorted(b["name"] for b in found["data"]) == ["B0", "B1"]
    [logged] = await sandbox.requests()
    assert "id%3Ain=" in logged["path"] or "id:in=" in logged["path"]
    assert f"{ids[0]}%2C{ids[1]}" in logged["path"] or f"{ids[0]},{ids[1]}" in logged["path"]


async def test_progress_callback_sees_every_attempt(sandbox: Sandbox) -> None:
    events: list[RequestEvent] = []
    async with sandbox.client(progress=events.append) as live:
        await live.get("/v2/time")
        await live.get("/v2/store")
    assert [(e.method, e.path, e.status, e.attempt, e.will_retry) for e in events] == [
        ("GET", "/v2/time", 200, 1, False),
        ("GET", "/v2/store", 200, 1, False),
    ]


async def test_sandbox_store_is_created_on_first_use(sandbox: Sandbox) -> None:
    assert "fresh-store" not in (await sandbox.admin("GET", "/stores")).json()["data"]
    async with sandbox.client("fresh-store") as live:
        assert (await live.get("/v2/store"))["id"] == "fresh-store"
    assert "fresh-store" in (await sandbox.admin("GET", "/stores")).json()["data"]


async def test_default_sandbox_db_lives_under_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STAGINGPRO_SANDBOX_DB", raising=False)
    async with connect("dev", SandboxBackend(sandbox="local-dev")) as live:
        assert (await live.get("/v2/store"))["id"] == "local-dev"
    assert (tmp_path / ".stagingpro" / "sandbox.db").is_file()


async def test_sandbox_db_env_var_overrides_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere" / "box.db"
    monkeypatch.setenv("STAGINGPRO_SANDBOX_DB", str(target))
    async with connect("dev", SandboxBackend(sandbox="env-db")) as live:
        await live.get("/v2/time")
    assert target.is_file()


async def test_repr_never_shows_the_token(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANDBOX_SECRET_TOKEN", "s3cret-token-value")
    live = sandbox.client("secret-store", token_env="SANDBOX_SECRET_TOKEN")
    async with live:
        await live.get("/v2/time")
        assert "s3cret" not in repr(live) and "s3cret" not in repr(vars(live))
        assert "s3cret" not in str(live.stats.as_dict())


async def test_a_decimal_is_sent_as_a_json_number_with_every_digit() -> None:
    # A declared price of 16 digits: as a float it would reach the store as
    # 999999999999.0002 (the adapters' number() keeps a Decimal when a float cannot hold it).
    seen: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, json={"data": {}})

    price = number("999999999999.0003")
    assert isinstance(price, Decimal) and number("12.3450") == 12.345 and number("10.00") == 10
    async with LiveClient("https://store.invalid/stores/x", "token",
                          context=StoreContext("exact", "x"),
                          transport=httpx.MockTransport(answer)) as live:
        await live.put("/v3/catalog/products", [{"id": 1, "price": price, "name": "Ω \"q\""}])
    assert seen == ['[{"id":1,"price":999999999999.0003,"name":"Ω \\"q\\""}]'.encode()]
