"""Product category assignments in bulk: read, add (all or nothing), remove by filter."""

from __future__ import annotations

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient

A = "/v3/catalog/products/category-assignments"


def test_read_add_and_remove(store: StoreClient) -> None:
    cats = store.post(
        "/v3/catalog/trees/categories", json=[{"name": n, "tree_id": 1} for n in ("X", "Y")]
    ).json()["data"]
    x, y = (c["category_id"] for c in cats)
    p = new_product(store, "P", categories=[x])
    q = new_product(store, "Q")
    assert store.get(A).json()["data"] == [{"product_id": p["id"], "category_id": x}]
    added = store.put(
        A,
        json=[{"product_id": p["id"], "category_id": y}, {"product_id": q["id"], "category_id": y}],
    )
    assert added.status_code == 204
    assert store.get(f"{PRODUCTS}/{p['id']}").json()["data"]["categories"] == [x, y]
    by_category = store.get(A, params={"category_id:in": str(y)}).json()["data"]
    assert [a["product_id"] for a in by_category] == [p["id"], q["id"]]
    bad = store.put(
        A, json=[{"product_id": q["id"], "category_id": x}, {"product_id": 999, "category_id": x}]
    )
    assert bad.status_code == 422 and "1.product_id" in bad.json()["errors"]
    assert store.get(f"{PRODUCTS}/{q['id']}").json()["data"]["categories"] == [y]
    assert store.delete(A).status_code == 422
    assert store.delete(A, params={"category_id:in": str(y)}).status_code == 204
    assert store.get(A).json()["data"] == [{"product_id": p["id"], "category_id": x}]
    assert store.delete(A, params={"product_id:in": str(p["id"])}).status_code == 204
    assert store.get(A).json()["data"] == []
