"""The request pipeline: store resolution, authentication, routing, persistence, request log."""

from __future__ import annotations

from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import add_token
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
