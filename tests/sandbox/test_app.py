"""The request pipeline: store resolution, authentication, routing, persistence, request log."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, add_token, create_store
from tests.sandbox.conftest import StoreClient


def test_store_information_is_served(store: StoreClient) -> None:
    response = store.get("/v2/store")
    assert response.status_code == 200
    assert response.json()["id"] == "teststore"
    assert isinstance(store.get("/v2/time").json()["time"], int)


def test_unknown_store_is_404_with_bigcommerce_body(http: TestClient) -> None:
    v2 = http.get("/stores/nope/v2/time", headers={"X-Auth-Token": "x"})
    assert v2.status_code == 404
    assert v2.json()[0]["status"] == 404  # V2 errors are arrays of {status, message}
    v3 = http.get("/stores/nope/v3/catalog/products", headers={"X-Auth-Token": "x"})
    assert v3.status_code == 404
    assert v3.json()["status"] == 404


def test_missing_or_wrong_token_is_401(store: StoreClient) -> None:
    assert store.with_token("").get("/v2/time").status_code == 401
    assert store.with_token("not-a-token").get("/v2/time").status_code == 401


def test_token_without_the_scope_is_403(store: StoreClient, sandbox_db: SandboxDB) -> None:
    add_token(sandbox_db, "teststore", "content-only", {"store_v2_content": "modify"})
    response = store.with_token("content-only").get("/v2/store")
    assert response.status_code == 403
    assert "store_v2_information" in response.json()[0]["message"]


def test_unknown_route_is_404_json(store: StoreClient) -> None:
    response = store.get("/v3/no/such/thing")
    assert response.status_code == 404
    assert response.json()["title"] == "Route not found"


def test_request_log_records_and_clears(store: StoreClient, http: TestClient) -> None:
    store.get("/v2/time")
    store.get("/v2/store", params={"x": "1"})
    log = http.get("/_sandbox/stores/teststore/requests").json()["data"]
    assert log == [
        {"method": "GET", "path": "/v2/time", "status": 200},
        {"method": "GET", "path": "/v2/store?x=1", "status": 200},
    ]
    assert http.delete("/_sandbox/stores/teststore/requests").status_code == 204
    assert http.get("/_sandbox/stores/teststore/requests").json()["data"] == []


def test_stores_survive_a_restart(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "s.db"
    first = SandboxApp(SandboxDB(path))
    with TestClient(first) as client:
        assert client.post("/_sandbox/stores", json={"store_hash": "kept"}).status_code == 201
    first.db.close()
    second = SandboxApp(SandboxDB(path))
    with TestClient(second) as client:
        response = client.get("/stores/kept/v2/store", headers={"X-Auth-Token": "sandbox-token"})
        assert response.status_code == 200


def test_trailing_slash_is_served_like_the_path_without_it(
    store: StoreClient, http: TestClient
) -> None:
    store.post(
        "/v3/customers", json=[{"email": "a@example.com", "first_name": "A", "last_name": "B"}]
    )
    response = http.get(
        "/stores/teststore/v3/customers/",
        headers={"X-Auth-Token": store.token, "Accept": "application/json"},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert [c["email"] for c in response.json()["data"]] == ["a@example.com"]


# -- a change is acknowledged only once it is on disk ----------------------------------------

_HEADERS = {"X-Auth-Token": DEFAULT_TOKEN}


def _file_store(db_file: Path, **options: Any) -> TestClient:
    sandbox = SandboxDB(db_file, **options)
    for store_hash in ("shop", "other"):
        create_store(sandbox, store_hash)
    return TestClient(SandboxApp(sandbox))


def _on_disk(db_file: Path, store_hash: str, collection: str) -> list[dict[str, Any]]:
    """What a restarted sandbox finds in the file."""
    sandbox = SandboxDB(db_file)
    try:
        return list(sandbox.store(store_hash).collection(collection))
    finally:
        sandbox.close()


def test_a_failed_commit_answers_500_and_leaves_no_phantom(tmp_path: Path) -> None:
    """A document too big for SQLite ("string or blob too big") is refused with a 500 and
    BigCommerce's error body; neither it nor its id stays in memory, and later writes to
    every store are acknowledged only because they are on disk."""
    db_file = tmp_path / "sandbox.db"
    with _file_store(db_file, max_document_bytes=20_000) as http:
        big = {"name": "Big", "type": "physical", "weight": 1, "price": 1,
               "description": "x" * 30_000}
        refused = http.post("/stores/shop/v3/catalog/products", json=big, headers=_HEADERS)
        assert refused.status_code == 500
        assert refused.json()["status"] == 500
        assert "not saved" in json.dumps(refused.json())
        assert http.get("/stores/shop/v3/catalog/products", headers=_HEADERS).json()["data"] == []
        small = {**big, "name": "Small", "description": "fits"}
        created = http.post("/stores/shop/v3/catalog/products", json=small, headers=_HEADERS)
        assert created.status_code == 200
        assert created.json()["data"]["id"] == 1  # the refused product's id was not used
        brand = http.post("/stores/other/v3/catalog/brands", json={"name": "B"}, headers=_HEADERS)
        assert brand.status_code == 200
    assert [p["name"] for p in _on_disk(db_file, "shop", "catalog_products")] == ["Small"]
    assert [b["name"] for b in _on_disk(db_file, "other", "catalog_brands")] == ["B"]


def test_a_locked_file_answers_503_and_the_write_succeeds_once_free(tmp_path: Path) -> None:
    db_file = tmp_path / "sandbox.db"
    with _file_store(db_file, busy_timeout_s=0.05) as http:
        other_process = sqlite3.connect(db_file, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")
        busy = http.post("/stores/shop/v3/catalog/brands", json={"name": "A"}, headers=_HEADERS)
        assert busy.status_code == 503
        assert busy.json()["status"] == 503
        other_process.execute("ROLLBACK")
        other_process.close()
        done = http.post("/stores/shop/v3/catalog/brands", json={"name": "A"}, headers=_HEADERS)
        assert done.status_code == 200
    assert [b["name"] for b in _on_disk(db_file, "shop", "catalog_brands")] == ["A"]

