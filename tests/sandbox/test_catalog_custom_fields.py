"""Product custom fields: name+value unique per product (409), at most 200 (422)."""

from __future__ import annotations

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient


def test_crud_and_404(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/custom-fields"
    made = store.post(base, json={"name": "fit", "value": "wide"}).json()["data"]
    assert store.get(f"{base}/{made['id']}").json()["data"] == made
    updated = store.put(f"{base}/{made['id']}", json={"value": "narrow"}).json()["data"]
    assert updated == {"id": made["id"], "name": "fit", "value": "narrow"}
    assert store.get(f"{base}/999").status_code == 404
    assert store.delete(f"{base}/{made['id']}").status_code == 204
    assert store.get(base).json()["data"] == []


def test_validation_and_name_value_uniqueness(store: StoreClient) -> None:
    p = new_product(store, "Shoe", custom_fields=[{"name": "fit", "value": "wide"}])
    base = f"{PRODUCTS}/{p['id']}/custom-fields"
    missing = store.post(base, json={"name": "x"})
    assert missing.status_code == 422 and "value" in missing.json()["errors"]
    assert store.post(base, json={"name": "x" * 251, "value": "y"}).status_code == 422
    duplicate = store.post(base, json={"name": "fit", "value": "wide"})
    assert duplicate.status_code == 409 and "name" in duplicate.json()["errors"]
    other = store.post(base, json={"name": "fit", "value": "narrow"}).json()["data"]
    assert store.put(f"{base}/{other['id']}", json={"value": "wide"}).status_code == 409
    dup = [{"name": "a", "value": "b"}] * 2
    body = {"name": "T", "type": "physical", "weight": 1, "price": 1, "custom_fields": dup}
    assert store.post(PRODUCTS, json=body).status_code == 409


def test_at_most_200(store: StoreClient) -> None:
    fields = [{"name": f"f{i}", "value": "v"} for i in range(200)]
    p = new_product(store, "Shoe", custom_fields=fields)
    response = store.post(
        f"{PRODUCTS}/{p['id']}/custom-fields", json={"name": "one", "value": "more"}
    )
    assert response.status_code == 422
    page = store.get(f"{PRODUCTS}/{p['id']}/custom-fields", params={"limit": 250}).json()
    assert page["meta"]["pagination"]["total"] == 200
