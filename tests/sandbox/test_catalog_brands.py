"""Brands: unique names (case-insensitive), URLs, filters, deletes unlink products."""

from __future__ import annotations

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient

B = "/v3/catalog/brands"


def test_create_defaults_get_put_and_404(store: StoreClient) -> None:
    made = store.post(B, json={"name": "Acme Co"})
    assert made.status_code == 200
    brand = made.json()["data"]
    assert brand["custom_url"] == {"url": "/acme-co/", "is_customized": False}
    assert brand["meta_keywords"] == [] and brand["image_url"] == ""
    assert store.get(f"{B}/{brand['id']}").json()["data"] == brand
    updated = store.put(f"{B}/{brand['id']}", json={"page_title": "Acme"}).json()["data"]
    assert updated["page_title"] == "Acme"
    assert store.get(f"{B}/999").status_code == 404
    assert store.put(f"{B}/999", json={"name": "x"}).status_code == 404
    assert store.post(B, json={}).status_code == 422
    assert store.post(B, json={"name": "x", "colour": "red"}).status_code == 422


def test_name_unique_case_insensitively_and_url_unique(store: StoreClient) -> None:
    a = store.post(B, json={"name": "Acme"}).json()["data"]
    assert store.post(B, json={"name": "ACME"}).status_code == 409
    b = store.post(B, json={"name": "Other"}).json()["data"]
    assert store.put(f"{B}/{b['id']}", json={"name": "acme"}).status_code == 409
    assert store.put(f"{B}/{a['id']}", json={"name": "acme"}).status_code == 200
    new_product(store, "Shoe", custom_url={"url": "/shoe/"})
    assert store.post(B, json={"name": "S", "custom_url": {"url": "/shoe/"}}).status_code == 409


def test_filters_and_paging(store: StoreClient) -> None:
    ids = [
        store.post(B, json={"name": n}).json()["data"]["id"] for n in ("Alpha", "Beta", "Alphabet")
    ]

    def names(**params: str) -> list[str]:
        return [b["name"] for b in store.get(B, params=params).json()["data"]]

    assert names(name="Alpha") == ["Alpha"]
    assert names(**{"name:like": "alph"}) == ["Alpha", "Alphabet"]
    assert names(**{"id:in": f"{ids[1]},{ids[2]}"}) == ["Beta", "Alphabet"]
    assert names(limit="2", page="2") == ["Alphabet"]


def test_delete_needs_name_filter_and_unlinks_products(store: StoreClient) -> None:
    brand = store.post(B, json={"name": "Acme"}).json()["data"]
    p = new_product(store, "Shoe", brand_id=brand["id"])
    assert store.delete(B).status_code == 422
    assert store.delete(B, params={"name": "Acme"}).status_code == 204
    assert store.get(B).json()["data"] == []
    assert store.get(f"{PRODUCTS}/{p['id']}").json()["data"]["brand_id"] == 0
    other = store.post(B, json={"name": "Other"}).json()["data"]
    assert store.delete(f"{B}/{other['id']}").status_code == 204
    assert store.delete(f"{B}/{other['id']}").status_code == 404
