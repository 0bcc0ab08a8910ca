"""Legacy categories over the default tree: CRUD, 409 on sibling names, 422 when in use."""

from __future__ import annotations

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient

C = "/v3/catalog/categories"


def test_create_get_put_and_legacy_shape(store: StoreClient) -> None:
    missing = store.post(C, json={"name": "Shoes"})
    assert missing.status_code == 422 and "parent_id" in missing.json()["errors"]
    shoes = store.post(C, json={"name": "Shoes", "parent_id": 0}).json()["data"]
    assert shoes["custom_url"] == {"url": "/shoes/", "is_customized": False}
    assert "tree_id" not in shoes and shoes["parent_id"] == 0
    trail = store.post(C, json={"name": "Trail", "parent_id": shoes["id"]}).json()["data"]
    assert store.get(f"{C}/{trail['id']}").json()["data"]["custom_url"]["url"] == "/shoes/trail/"
    updated = store.put(f"{C}/{trail['id']}", json={"description": "Off road"}).json()["data"]
    assert updated["description"] == "Off road"
    assert store.get(f"{C}/999").status_code == 404
    tree_view = store.get("/v3/catalog/trees/categories").json()["data"]
    assert [c["category_id"] for c in tree_view] == [shoes["id"], trail["id"]]


def test_sibling_names_and_urls_conflict(store: StoreClient) -> None:
    shoes = store.post(C, json={"name": "Shoes", "parent_id": 0}).json()["data"]
    assert store.post(C, json={"name": "SHOES", "parent_id": 0}).status_code == 409
    hats = store.post(C, json={"name": "Hats", "parent_id": 0}).json()["data"]
    assert store.put(f"{C}/{hats['id']}", json={"name": "shoes"}).status_code == 409
    clash = store.post(C, json={"name": "X", "parent_id": 0, "custom_url": {"url": "/shoes/"}})
    assert clash.status_code == 409
    assert store.post(C, json={"name": "Shoes", "parent_id": shoes["id"]}).status_code == 200


def test_list_filters(store: StoreClient) -> None:
    shoes = store.post(C, json={"name": "Shoes", "parent_id": 0}).json()["data"]
    store.post(C, json={"name": "Trail", "parent_id": shoes["id"]})
    store.post(C, json={"name": "Hidden", "parent_id": 0, "is_visible": False})

    def names(**params: str) -> list[str]:
        return [c["name"] for c in store.get(C, params=params).json()["data"]]

    assert names() == ["Shoes", "Trail", "Hidden"]
    assert names(parent_id=str(shoes["id"])) == ["Trail"]
    assert names(is_visible="false") == ["Hidden"]
    assert names(**{"name:like": "rai"}) == ["Trail"]


def test_delete_refuses_categories_with_products(store: StoreClient) -> None:
    shoes = store.post(C, json={"name": "Shoes", "parent_id": 0}).json()["data"]
    trail = store.post(C, json={"name": "Trail", "parent_id": shoes["id"]}).json()["data"]
    p = new_product(store, "Shoe", categories=[trail["id"]])
    assert store.delete(C, params={"id:in": str(shoes["id"])}).status_code == 422
    assert store.delete(f"{C}/{trail['id']}").status_code == 422
    store.put(f"{PRODUCTS}/{p['id']}", json={"categories": []})
    assert store.delete(C).status_code == 422
    assert len(store.get(C).json()["data"]) == 2
    assert store.delete(C, params={"id:in": str(shoes["id"])}).status_code == 204
    assert store.get(C).json()["data"] == []
