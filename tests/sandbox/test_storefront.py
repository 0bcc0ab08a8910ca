"""The storefront paths stencil-cli calls: store-hash discovery, version check, downloads."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.testclient import TestClient

from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store
from tests.sandbox.conftest import StoreClient
from tests.sandbox.serving import served


def test_the_only_store_answers_the_store_hash_lookup(store: StoreClient) -> None:
    info = store.http.get("/admin/oauth/info")
    assert info.status_code == 200 and info.json() == {"store_hash": "teststore"}
    check = store.http.get("/stencil-version-check", params={"v": "10.0.0"})
    assert check.status_code == 200 and check.json()["status"] == "ok"


def test_with_several_stores_the_host_names_the_store(
    http: TestClient, sandbox_db: SandboxDB
) -> None:
    create_store(sandbox_db, "north")
    create_store(sandbox_db, "south")
    named = http.get("/admin/oauth/info", headers={"Host": "south.localhost:8765"})
    assert named.json() == {"store_hash": "south"}
    unnamed = http.get("/admin/oauth/info", headers={"Host": "127.0.0.1:8765"})
    assert unnamed.status_code == 404 and "<store_hash>" in unnamed.json()["errors"]["host"]
    assert http.post("/admin/oauth/info").status_code == 405


def test_served_store_url_leads_to_its_store_hash(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    setup = SandboxDB(db)
    create_store(setup, "shop")
    setup.close()
    with served(db) as url, httpx.Client(base_url=url, timeout=30) as client:
        info = client.get("/stores/shop/v2/store", headers={"X-Auth-Token": DEFAULT_TOKEN})
        store_url = info.json()["secure_url"]
        assert store_url == url
        lookup = client.get(f"{store_url}/admin/oauth/info")
        assert lookup.status_code == 200 and lookup.json() == {"store_hash": "shop"}
