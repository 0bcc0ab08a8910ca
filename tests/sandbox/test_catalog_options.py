"""Variant options and option values: CRUD, unique names, renames reach the variants."""

from __future__ import annotations

from tests.sandbox.catalog_support import PRODUCTS, new_product, sized
from tests.sandbox.conftest import StoreClient


def test_create_list_get_and_required_fields(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/options"
    missing = store.post(base, json={"display_name": "Color"})
    assert missing.status_code == 422
    assert {"type", "option_values"} <= set(missing.json()["errors"])
    bad_type = store.post(base, json={"display_name": "C", "type": "text", "option_values": []})
    assert bad_type.status_code == 422
    body = {
        "display_name": "Color",
        "type": "swatch",
        "option_values": [
            {"label": "Red", "sort_order": 0, "value_data": {"colors": ["#ff0000"]}},
            {"label": "Blue", "sort_order": 1},
        ],
    }
    created = store.post(base, json=body)
    assert created.status_code == 200, created.text
    option = created.json()["data"]
    assert [v["label"] for v in option["option_values"]] == ["Red", "Blue"]
    assert store.get(f"{base}/{option['id']}").json()["data"]["display_name"] == "Color"
    assert len(store.get(base).json()["data"]) == 1
    assert store.get(f"{base}/999").status_code == 404


def test_display_name_unique_among_options_and_modifiers(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S"))
    base = f"{PRODUCTS}/{p['id']}/options"
    one = [{"label": "x", "sort_order": 0}]
    dup = store.post(base, json={"display_name": "size", "type": "dropdown", "option_values": one})
    assert dup.status_code == 409
    store.post(
        f"{PRODUCTS}/{p['id']}/modifiers",
        json={"display_name": "Gift", "type": "text", "required": False},
    )
    assert (
        store.post(
            base, json={"display_name": "GIFT", "type": "dropdown", "option_values": one}
        ).status_code
        == 409
    )


def test_duplicate_labels_and_value_limit(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/options"
    twice = [{"label": "A", "sort_order": 0}, {"label": "a", "sort_order": 1}]
    assert (
        store.post(
            base, json={"display_name": "X", "type": "dropdown", "option_values": twice}
        ).status_code
        == 422
    )
    many = [{"label": str(i), "sort_order": i} for i in range(251)]
    assert (
        store.post(
            base, json={"display_name": "X", "type": "dropdown", "option_values": many}
        ).status_code
        == 422
    )


def test_renames_reach_variants_and_deletes_drop_them(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S", "M"))
    options = store.get(f"{PRODUCTS}/{p['id']}/options").json()["data"]
    option = options[0]
    small = option["option_values"][0]
    base = f"{PRODUCTS}/{p['id']}/options/{option['id']}"
    assert store.put(base, json={"display_name": "Shoe size"}).status_code == 200
    assert store.put(f"{base}/values/{small['id']}", json={"label": "Small"}).status_code == 200
    variants = store.get(f"{PRODUCTS}/{p['id']}/variants").json()["data"]
    assert variants[0]["option_values"][0] == {
        "id": small["id"],
        "label": "Small",
        "option_id": option["id"],
        "option_display_name": "Shoe size",
    }
    assert store.delete(f"{base}/values/{small['id']}").status_code == 204
    assert [v["sku"] for v in store.get(f"{PRODUCTS}/{p['id']}/variants").json()["data"]] == [
        "SH-M"
    ]
    assert store.delete(base).status_code == 204
    left = store.get(f"{PRODUCTS}/{p['id']}/variants").json()["data"]
    assert len(left) == 1 and left[0]["option_values"] == []


def test_values_endpoints(store: StoreClient) -> None:
    p = new_product(store, "Shoe", variants=sized("SH", "S"))
    option = store.get(f"{PRODUCTS}/{p['id']}/options").json()["data"][0]
    values = f"{PRODUCTS}/{p['id']}/options/{option['id']}/values"
    assert store.post(values, json={"label": "s", "sort_order": 1}).status_code == 422
    assert store.post(values, json={"sort_order": 1}).status_code == 422
    made = store.post(values, json={"label": "L", "sort_order": 2}).json()["data"]
    assert store.get(f"{values}/{made['id']}").json()["data"]["label"] == "L"
    assert [v["label"] for v in store.get(values).json()["data"]] == ["S", "L"]
    assert store.get(f"{values}/999").status_code == 404
