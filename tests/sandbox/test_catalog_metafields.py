"""Product metafields: per product and in batches; (namespace, key) unique per product."""

from __future__ import annotations

from typing import Any

import pytest

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


# -- brands and categories (and products, where the behaviour is the same) -------------------------
OWNER_PATHS = {
    "product": PRODUCTS,
    "brand": "/v3/catalog/brands",
    "category": "/v3/catalog/categories",
}


def new_owner(store: StoreClient, kind: str, name: str, **extra: Any) -> dict[str, Any]:
    """Create a product, brand or category named ``name`` and return its ``data``."""
    if kind == "product":
        return new_product(store, name, **extra)
    if kind == "brand":
        return store.create(OWNER_PATHS[kind], {"name": name, **extra})
    return store.create(OWNER_PATHS[kind], {"name": name, "parent_id": 0, **extra})


def metafields_of(kind: str, owner_id: int) -> str:
    return f"{OWNER_PATHS[kind]}/{owner_id}/metafields"


def batch_of(kind: str) -> str:
    return f"{OWNER_PATHS[kind]}/metafields"


def keys(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(m["key"] for m in response.json()["data"])


@pytest.mark.parametrize("kind", ["brand", "category"])
def test_per_owner_crud_and_uniqueness(
    store: StoreClient, other_account: StoreClient, kind: str
) -> None:
    owner = new_owner(store, kind, "Acme")
    base = metafields_of(kind, owner["id"])
    made = store.post(base, json=field("code", description="ERP code"))
    assert made.status_code == 200, made.text
    doc = made.json()["data"]
    assert (doc["resource_type"], doc["resource_id"]) == (kind, owner["id"])
    assert doc["owner_client_id"] and doc["description"] == "ERP code"
    duplicate = store.post(base, json=field("code", value="2"))
    assert duplicate.status_code == 409
    # (namespace, key) is unique per API account: another app may use the same pair.
    theirs = other_account.post(base, json=field("code", value="theirs"))
    assert theirs.status_code == 200
    assert theirs.json()["data"]["owner_client_id"] != doc["owner_client_id"]
    missing = store.post(base, json={"key": "x"})
    assert missing.status_code == 422
    assert {"namespace", "value", "permission_set"} <= set(missing.json()["errors"])
    assert store.post(base, json=field("y", permission_set="everyone")).status_code == 422

    got = store.get(f"{base}/{doc['id']}")
    assert got.status_code == 200 and got.json()["data"] == doc
    trimmed = store.get(f"{base}/{doc['id']}", params={"exclude_fields": "description"})
    assert "description" not in trimmed.json()["data"]
    updated = store.put(f"{base}/{doc['id']}", json={"value": "9", "namespace": "pim"})
    assert updated.status_code == 200
    assert (updated.json()["data"]["value"], updated.json()["data"]["namespace"]) == ("9", "pim")
    assert store.put(f"{base}/{doc['id']}", json={"value": ""}).status_code == 400

    store.post(base, json=field("other"))
    store.post(base, json=field("third", namespace="pim"))
    assert keys(store.get(base)) == ["code", "code", "other", "third"]
    assert keys(store.get(base, params={"key": "other"})) == ["other"]
    assert keys(store.get(base, params={"namespace": "pim"})) == ["code", "third"]
    assert keys(store.get(base, params={"namespace": "erp", "key": "code"})) == ["code"]
    assert keys(store.get(base, params={"id:in": f"{doc['id']},99999"})) == ["code"]
    assert keys(store.get(base, params={"id:greater": str(doc["id"])})) == [
        "code",
        "other",
        "third",
    ]
    paged = store.get(base, params={"limit": 3, "page": 2}).json()
    assert len(paged["data"]) == 1 and paged["meta"]["pagination"]["total"] == 4

    assert store.get(f"{base}/99999").status_code == 404
    assert store.delete(f"{base}/{doc['id']}").status_code == 204
    assert store.get(f"{base}/{doc['id']}").status_code == 404
    assert store.put(f"{base}/{doc['id']}", json={"value": "1"}).status_code == 404
    assert store.delete(f"{base}/{doc['id']}").status_code == 404


@pytest.mark.parametrize("kind", ["product", "brand", "category"])
def test_an_owners_endpoints_see_only_its_own_metafields(store: StoreClient, kind: str) -> None:
    mine = new_owner(store, kind, "Mine")
    other = new_owner(store, kind, "Other")
    shoe = new_product(store, "Shoe")
    doc = store.create(metafields_of(kind, mine["id"]), field("code"))
    product_field = store.create(metafields_of("product", shoe["id"]), field("code"))
    assert store.get(f"{metafields_of(kind, other['id'])}/{doc['id']}").status_code == 404
    assert store.get(metafields_of(kind, other["id"])).json()["data"] == []
    if kind != "product":
        # Metafield ids are store-wide: a product's metafield is not this owner's.
        wrong = f"{metafields_of(kind, mine['id'])}/{product_field['id']}"
        assert store.get(wrong).status_code == 404
    assert [m["id"] for m in store.get(batch_of(kind)).json()["data"]] == (
        [doc["id"], product_field["id"]] if kind == "product" else [doc["id"]]
    )


@pytest.mark.parametrize("kind", ["brand", "category"])
def test_missing_owner_is_a_404(store: StoreClient, kind: str) -> None:
    base = metafields_of(kind, 99999)
    assert store.get(base).status_code == 404
    assert store.post(base, json=field("code")).status_code == 404
    assert store.get(f"{base}/1").status_code == 404


@pytest.mark.parametrize("kind", ["brand", "category"])
def test_batch_create_with_partial_failure(store: StoreClient, kind: str) -> None:
    a = new_owner(store, kind, "A")
    b = new_owner(store, kind, "B")
    batch = batch_of(kind)
    created = store.post(
        batch, json=[field("k", resource_id=a["id"]), field("k", resource_id=b["id"])]
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["meta"] == {"total": 2, "success": 2, "failed": 0} and body["errors"] == []
    assert {(m["resource_type"], m["resource_id"]) for m in body["data"]} == {
        (kind, a["id"]),
        (kind, b["id"]),
    }
    partial = store.post(
        batch,
        json=[
            field("k", resource_id=a["id"]),  # duplicate of an existing one
            field("z", resource_id=a["id"]),  # valid
            field("z", resource_id=99999),  # no such owner
            {"key": "w", "resource_id": a["id"]},  # missing fields
        ],
    )
    assert partial.status_code == 422
    answer = partial.json()
    assert answer["meta"] == {"total": 4, "success": 1, "failed": 3}
    assert [m["key"] for m in answer["data"]] == ["z"]
    assert [e["status"] for e in answer["errors"]] == [409, 404, 422]
    assert "0.key" in answer["errors"][0]["errors"]
    assert "2.resource_id" in answer["errors"][1]["errors"]
    assert {"3.namespace", "3.value", "3.permission_set"} <= set(answer["errors"][2]["errors"])
    assert keys(store.get(metafields_of(kind, a["id"]))) == ["k", "z"]


def three_metafields(store: StoreClient, kind: str) -> tuple[int, tuple[int, int, int]]:
    """A new owner of ``kind`` with metafields erp.k1, erp.k2, erp.k3: its id and theirs."""
    owner = new_owner(store, kind, "A")
    made = store.post(
        batch_of(kind), json=[field(k, resource_id=owner["id"]) for k in ("k1", "k2", "k3")]
    )
    assert made.status_code == 200, made.text
    first, second, third = (m["id"] for m in made.json()["data"])
    return owner["id"], (first, second, third)


@pytest.mark.parametrize("kind", ["brand", "category"])
def test_batch_update(store: StoreClient, kind: str) -> None:
    owner_id, (first, second, third) = three_metafields(store, kind)
    changed = store.put(
        batch_of(kind),
        json=[
            {"id": first, "value": "new"},
            {"id": second, "key": "k9"},
            {"id": third, "key": "k2"},  # free now that the second is renamed
        ],
    )
    assert changed.status_code == 200, changed.text
    assert [(m["key"], m["value"]) for m in changed.json()["data"]] == [
        ("k1", "new"),
        ("k9", "1"),
        ("k2", "1"),
    ]
    assert changed.json()["meta"] == {"total": 3, "success": 3, "failed": 0}
    assert keys(store.get(metafields_of(kind, owner_id))) == ["k1", "k2", "k9"]


def failed_update_items(store: StoreClient, ids: tuple[int, int, int]) -> list[dict[str, Any]]:
    """One good item, then a clash, another owner kind's metafield and an unknown id."""
    first, second, _ = ids
    product_field = store.create(
        metafields_of("product", new_product(store, "Shoe")["id"]), field("p")
    )
    return [
        {"id": first, "value": "newer"},
        {"id": second, "key": "k3"},  # clashes with the third
        {"id": product_field["id"], "value": "x"},  # a product's, not this owner kind's
        {"id": 99999, "value": "x"},
    ]


def test_category_batch_update_writes_the_valid_items(store: StoreClient) -> None:
    owner_id, ids = three_metafields(store, "category")
    partial = store.put(batch_of("category"), json=failed_update_items(store, ids))
    assert partial.status_code == 422
    answer = partial.json()
    assert answer["meta"] == {"total": 4, "success": 1, "failed": 3}
    assert [m["value"] for m in answer["data"]] == ["newer"]
    assert [e["status"] for e in answer["errors"]] == [409, 422, 422]
    listed = store.get(metafields_of("category", owner_id)).json()["data"]
    assert [(m["key"], m["value"]) for m in listed] == [("k1", "newer"), ("k2", "1"), ("k3", "1")]


def test_brand_batch_update_with_a_failed_item_writes_nothing(store: StoreClient) -> None:
    # brands_catalog.v3.yml declares a plain error (no partial-success body) for this 422.
    owner_id, ids = three_metafields(store, "brand")
    failed = store.put(batch_of("brand"), json=failed_update_items(store, ids))
    assert failed.status_code == 422
    assert {"1.key", "2.id", "3.id"} <= set(failed.json()["errors"])
    listed = store.get(metafields_of("brand", owner_id)).json()["data"]
    assert [(m["key"], m["value"]) for m in listed] == [("k1", "1"), ("k2", "1"), ("k3", "1")]


@pytest.mark.parametrize("kind", ["product", "brand", "category"])
def test_batch_delete(store: StoreClient, kind: str) -> None:
    _, (first, second, third) = three_metafields(store, kind)
    other_kind = "brand" if kind == "product" else "product"
    other = store.create(
        metafields_of(other_kind, new_owner(store, other_kind, "Other")["id"]), field("o")
    )
    batch = batch_of(kind)
    json_headers = {"Content-Type": "application/json"}
    gone = store.delete(batch, content=f"[{first}, {second}]", headers=json_headers)
    assert gone.status_code == 200, gone.text
    assert gone.json() == {
        "data": [first, second],
        "errors": [],
        "meta": {"total": 2, "success": 2, "failed": 0},
    }
    partly = store.delete(batch, content=f"[{third}, {other['id']}, 99999]", headers=json_headers)
    assert partly.status_code == 422
    assert partly.json()["data"] == [third]
    assert partly.json()["meta"] == {"total": 3, "success": 1, "failed": 2}
    assert [e["status"] for e in partly.json()["errors"]] == [404, 404]
    assert store.get(batch).json()["data"] == []
    assert [m["id"] for m in store.get(batch_of(other_kind)).json()["data"]] == [other["id"]]


@pytest.mark.parametrize("kind", ["brand", "category"])
def test_all_metafields_listing_filters_and_pages(store: StoreClient, kind: str) -> None:
    a = new_owner(store, kind, "A")
    b = new_owner(store, kind, "B")
    c = new_owner(store, kind, "C")
    batch = batch_of(kind)
    items = [
        field("k1", resource_id=a["id"]),
        field("k2", resource_id=a["id"], namespace="pim"),
        field("k3", resource_id=b["id"]),
        field("k4", resource_id=c["id"], namespace="pim"),
        field("k5", resource_id=c["id"]),
    ]
    assert store.post(batch, json=items).status_code == 200
    assert keys(store.get(batch)) == ["k1", "k2", "k3", "k4", "k5"]
    assert keys(store.get(batch, params={"namespace": "pim"})) == ["k2", "k4"]
    assert keys(store.get(batch, params={"namespace:in": "pim,erp", "key": "k3"})) == ["k3"]
    assert keys(store.get(batch, params={"key:in": "k1,k5"})) == ["k1", "k5"]
    assert keys(store.get(batch, params={"resource_id:in": f"{a['id']},{c['id']}"})) == [
        "k1",
        "k2",
        "k4",
        "k5",
    ]
    scoped = {"resource_id:in": f"{a['id']},{c['id']}", "namespace": "pim"}
    assert keys(store.get(batch, params=scoped)) == ["k2", "k4"]

    pages = [store.get(batch, params={"limit": 2, "page": page}).json() for page in (1, 2, 3)]
    assert [[m["key"] for m in p["data"]] for p in pages] == [["k1", "k2"], ["k3", "k4"], ["k5"]]
    pagination = pages[0]["meta"]["pagination"]
    assert (pagination["total"], pagination["total_pages"], pagination["per_page"]) == (5, 3, 2)
    descending = store.get(batch, params={"direction": "desc"}).json()["data"]
    assert [m["key"] for m in descending] == ["k5", "k4", "k3", "k2", "k1"]
    assert keys(store.get(batch, params={"date_created:max": "2000-01-01"})) == []


def test_deleting_brands_deletes_their_metafields(store: StoreClient) -> None:
    gone = new_owner(store, "brand", "Gone")
    filtered = new_owner(store, "brand", "Filtered")
    kept = new_owner(store, "brand", "Kept")
    for brand in (gone, filtered, kept):
        store.create(metafields_of("brand", brand["id"]), field("code"))
    assert store.delete(f"{OWNER_PATHS['brand']}/{gone['id']}").status_code == 204
    assert store.delete(OWNER_PATHS["brand"], params={"name": "Filtered"}).status_code == 204
    listed = store.get(batch_of("brand")).json()["data"]
    assert [m["resource_id"] for m in listed] == [kept["id"]]
    assert store.get(metafields_of("brand", gone["id"])).status_code == 404


def test_deleting_categories_deletes_their_and_their_descendants_metafields(
    store: StoreClient,
) -> None:
    legacy = new_owner(store, "category", "Legacy")
    parent = new_owner(store, "category", "Parent")
    child = new_owner(store, "category", "Child", parent_id=parent["id"])
    kept = new_owner(store, "category", "Kept")
    for category in (legacy, parent, child, kept):
        store.create(metafields_of("category", category["id"]), field("code"))
    assert store.delete(f"{OWNER_PATHS['category']}/{legacy['id']}").status_code == 204
    # The trees API deletes the parent with its child.
    trees = store.delete(
        "/v3/catalog/trees/categories", params={"category_id:in": str(parent["id"])}
    )
    assert trees.status_code == 202, trees.text
    listed = store.get(batch_of("category")).json()["data"]
    assert [m["resource_id"] for m in listed] == [kept["id"]]
    assert store.get(metafields_of("category", child["id"])).status_code == 404
