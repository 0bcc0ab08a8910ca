"""Product metafields: per product and in batches; (namespace, key) unique per product."""

from __future__ import annotations

from typing import Any

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient

BATCH = "/v3/catalog/products/metafields"


def field(key: str, **extra: Any) -> dict[str, Any]:
    return {"namespace": "erp", "key": key, "value": "1", "permission_set": "app_only", **extra}


def test_per_product_crud_and_uniqueness(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/metafields"
    made = store.post(base, json=field("code"))
    assert made.status_code == 200
    doc = made.json()["data"]
    assert doc["resource_type"] == "product" and doc["resource_id"] == p["id"]
    assert store.post(base, json=field("code", value="2")).status_code == 409
    missing = store.post(base, json={"key": "x"})
    assert missing.status_code == 422
    assert {"namespace", "value", "permission_set"} <= set(missing.json()["errors"])
    assert store.post(base, json=field("y", permission_set="everyone")).status_code == 422
    updated = store.put(f"{base}/{doc['id']}", json={"value": "9"}).json()["data"]
    assert updated["value"] == "9"
    store.post(base, json=field("other"))
    assert [m["key"] for m in store.get(base, params={"key": "other"}).json()["data"]] == ["other"]
    assert store.get(f"{base}/9999").status_code == 404
    assert store.delete(f"{base}/{doc['id']}").status_code == 204
    assert store.get(f"{base}/{doc['id']}").status_code == 404


def test_batch_create_update_delete_with_partial_failure(store: StoreClient) -> None:
    a = new_product(store, "A")
    b = new_product(store, "B")
    created = store.post(
        BATCH, json=[field("k", resource_id=a["id"]), field("k", resource_id=b["id"])]
    )
    assert created.status_code == 200
    body = created.json()
    assert body["meta"] == {"total": 2, "success": 2, "failed": 0} and body["errors"] == []
    partial = store.post(
        BATCH, json=[field("k", resource_id=a["id"]), field("z", resource_id=a["id"])]
    )
    assert partial.status_code == 422
    assert partial.json()["meta"] == {"total": 2, "success": 1, "failed": 1}
    listed = store.get(BATCH, params={"resource_id:in": str(a["id"])}).json()["data"]
    assert sorted(m["key"] for m in listed) == ["k", "z"]
    first = body["data"][0]
    changed = store.put(BATCH, json=[{"id": first["id"], "value": "new"}]).json()
    assert changed["data"][0]["value"] == "new"
    gone = store.delete(
        BATCH, content=f"[{first['id']}, 99999]", headers={"Content-Type": "application/json"}
    )
    assert gone.status_code == 422 and gone.json()["meta"]["success"] == 1
    assert len(store.get(BATCH).json()["data"]) == 2


def test_deleting_a_product_deletes_its_metafields(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    store.post(f"{PRODUCTS}/{p['id']}/metafields", json=field("code"))
    store.delete(f"{PRODUCTS}/{p['id']}")
    assert store.get(BATCH).json()["data"] == []
