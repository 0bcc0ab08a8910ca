"""Product variants: per-product CRUD, store-wide list and batch PUT, SKU rules."""

from __future__ import annotations

from typing import Any

from tests.sandbox.catalog_support import PRODUCTS, new_product, sized
from tests.sandbox.conftest import StoreClient

V = "/v3/catalog/variants"


def option_refs(store: StoreClient, product_id: int) -> dict[str, dict[str, int]]:
    """``{label: {"option_id", "id"}}`` of the product's Size option."""
    options = store.get(f"{PRODUCTS}/{product_id}/options").json()["data"]
    return {
        v["label"]: {"option_id": o["id"], "id": v["id"]}
        for o in options
        for v in o["option_values"]
    }


def test_list_get_and_404(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S", "M"))
    base = f"{PRODUCTS}/{p['id']}/variants"
    variants = store.get(base).json()["data"]
    assert [v["sku"] for v in variants] == ["SH-S", "SH-M"]
    one = store.get(f"{base}/{variants[0]['id']}").json()["data"]
    assert one["option_values"][0]["label"] == "S" and one["calculated_price"] == 10
    assert store.get(f"{base}/9999").status_code == 404
    assert store.get(f"{PRODUCTS}/9999/variants").status_code == 404


def test_post_variant_with_existing_option_value(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S"))
    base = f"{PRODUCTS}/{p['id']}/variants"
    store.post(
        f"{PRODUCTS}/{p['id']}/options/{option_refs(store, p['id'])['S']['option_id']}/values",
        json={"label": "L", "sort_order": 2},
    )
    refs = option_refs(store, p["id"])
    response = store.post(base, json={"sku": "SH-L", "price": 12, "option_values": [refs["L"]]})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["calculated_price"] == 12
    same = store.post(base, json={"sku": "SH-L2", "option_values": [refs["L"]]})
    assert same.status_code == 409
    missing = store.post(base, json={"price": 1})
    assert missing.status_code == 422
    assert {"sku", "option_values"} <= set(missing.json()["errors"])


def test_variant_sku_unique_against_products_and_variants(store: StoreClient) -> None:
    new_product(store, "Other", sku="TAKEN")
    p = new_product(store, "Shoe", variants=sized("SH", "S", "M"))
    refs = option_refs(store, p["id"])
    base = f"{PRODUCTS}/{p['id']}/variants"
    store.delete(f"{base}/{store.get(base).json()['data'][1]['id']}")
    assert store.post(base, json={"sku": "taken", "option_values": [refs["M"]]}).status_code == 409
    assert store.post(base, json={"sku": "sh-s", "option_values": [refs["M"]]}).status_code == 409
    first = store.get(base).json()["data"][0]
    assert store.put(f"{base}/{first['id']}", json={"sku": "TAKEN"}).status_code == 409
    assert store.put(f"{base}/{first['id']}", json={"sku": "SH-S"}).status_code == 200


def test_put_and_delete_variant(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S", "M"))
    base = f"{PRODUCTS}/{p['id']}/variants"
    s, m = store.get(base).json()["data"]
    response = store.put(
        f"{base}/{s['id']}", json={"price": 20, "sale_price": 15, "inventory_level": 3}
    )
    assert response.json()["data"]["calculated_price"] == 15
    assert store.put(f"{base}/{s['id']}", json={"price": "x"}).status_code == 422
    assert store.delete(f"{base}/{s['id']}").status_code == 204
    assert [v["id"] for v in store.get(base).json()["data"]] == [m["id"]]
    store.delete(f"{base}/{m['id']}")
    left = store.get(base).json()["data"]
    assert len(left) == 1 and left[0]["option_values"] == []
    product = store.get(f"{PRODUCTS}/{p['id']}").json()["data"]
    assert product["base_variant_id"] == left[0]["id"]


def test_variant_image(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S"))
    base = f"{PRODUCTS}/{p['id']}/variants"
    vid = store.get(base).json()["data"][0]["id"]
    url = "https://example.com/s.png"
    assert store.post(f"{base}/{vid}/image", json={"image_url": url}).json()["data"] == {
        "image_url": url
    }
    assert store.get(f"{base}/{vid}").json()["data"]["image_url"] == url


def test_store_wide_list_filters(store: StoreClient) -> None:
    a = new_product(store, "A", variants=sized("A", "S", "M"))
    b = new_product(store, "B", sku="B1")

    def skus(**params: Any) -> list[str]:
        return [v["sku"] for v in store.get(V, params=params).json()["data"]]

    assert skus() == ["A-S", "A-M", "B1"]
    assert skus(sku="a-m") == ["A-M"]
    assert skus(**{"sku:in": "A-S,B1"}) == ["A-S", "B1"]
    assert skus(**{"product_id:in": str(b["id"])}) == ["B1"]
    ids = [v["id"] for v in store.get(f"{PRODUCTS}/{a['id']}/variants").json()["data"]]
    assert skus(**{"id:in": str(ids[1])}) == ["A-M"]
    page = store.get(V, params={"limit": 2, "page": 2}).json()
    assert [v["sku"] for v in page["data"]] == ["B1"] and page["meta"]["pagination"]["total"] == 3


def test_batch_put_updates_creates_and_limits(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S", "M"))
    refs = option_refs(store, p["id"])
    s, m = store.get(f"{PRODUCTS}/{p['id']}/variants").json()["data"]
    store.post(
        f"{PRODUCTS}/{p['id']}/options/{refs['S']['option_id']}/values",
        json={"label": "L", "sort_order": 3},
    )
    refs = option_refs(store, p["id"])
    assert store.put(V, json=[{"id": s["id"], "price": 1}] * 51).status_code == 413
    response = store.put(
        V,
        json=[
            {"id": s["id"], "price": 5},
            {"product_id": p["id"], "sku": "SH-L", "option_values": [refs["L"]]},
        ],
    )
    assert response.status_code == 200, response.text
    assert [v["sku"] for v in response.json()["data"]] == ["SH-S", "SH-L"]
    assert store.put(V, json=[{"id": 99999, "price": 1}]).status_code == 404
    clash = store.put(V, json=[{"id": s["id"], "sku": "X"}, {"id": m["id"], "sku": "x"}])
    assert clash.status_code == 409
    assert store.get(f"{PRODUCTS}/{p['id']}/variants/{s['id']}").json()["data"]["sku"] == "SH-S"
    assert store.put(V, json=[{"price": 1}]).status_code == 422


def test_batch_put_rejects_the_same_new_combination_twice(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S"))
    option_id = option_refs(store, p["id"])["S"]["option_id"]
    store.post(
        f"{PRODUCTS}/{p['id']}/options/{option_id}/values", json={"label": "L", "sort_order": 3}
    )
    large = option_refs(store, p["id"])["L"]
    twice = [{"product_id": p["id"], "sku": f"SH-L{n}", "option_values": [large]} for n in (1, 2)]
    assert store.put(V, json=twice).status_code == 409
    assert len(store.get(f"{PRODUCTS}/{p['id']}/variants").json()["data"]) == 1
