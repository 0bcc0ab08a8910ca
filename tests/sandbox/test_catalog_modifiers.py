"""Product modifiers and their values."""

from __future__ import annotations

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_create_requires_fields_and_unique_name(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/modifiers"
    missing = store.post(base, json={"type": "text"})
    assert missing.status_code == 422
    assert {"display_name", "required"} <= set(missing.json()["errors"])
    made = store.post(base, json={"display_name": "Engraving", "type": "text", "required": False})
    assert made.status_code == 200
    assert made.json()["data"]["option_values"] == []
    again = store.post(base, json={"display_name": "engraving", "type": "text", "required": True})
    assert again.status_code == 409


def test_checkbox_gets_yes_no_and_text_takes_no_values(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/modifiers"
    box = store.post(
        base, json={"display_name": "Gift wrap", "type": "checkbox", "required": False}
    )
    assert [v["label"] for v in box.json()["data"]["option_values"]] == ["Yes", "No"]
    text = store.post(
        base, json={"display_name": "Note", "type": "text", "required": False}
    ).json()["data"]
    assert (
        store.post(f"{base}/{text['id']}/values", json={"label": "x", "sort_order": 0}).status_code
        == 422
    )


def test_values_with_adjusters_crud_and_image(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/modifiers"
    body = {
        "display_name": "Laces",
        "type": "dropdown",
        "required": True,
        "option_values": [
            {
                "label": "Red",
                "sort_order": 0,
                "adjusters": {"price": {"adjuster": "relative", "adjuster_value": 2}},
            },
        ],
    }
    modifier = store.post(base, json=body).json()["data"]
    red = modifier["option_values"][0]
    assert red["adjusters"]["price"] == {"adjuster": "relative", "adjuster_value": 2}
    values = f"{base}/{modifier['id']}/values"
    bad = {"label": "Blue", "sort_order": 1, "adjusters": {"price": {"adjuster": "double"}}}
    assert store.post(values, json=bad).status_code == 422
    blue = store.post(values, json={"label": "Blue", "sort_order": 1}).json()["data"]
    assert (
        store.put(f"{values}/{blue['id']}", json={"label": "Navy"}).json()["data"]["label"]
        == "Navy"
    )
    assert store.put(f"{values}/{blue['id']}", json={"label": "red"}).status_code == 422
    image = store.post(
        f"{values}/{red['id']}/image", files={"image_file": ("r.png", PNG, "image/png")}
    )
    assert image.status_code == 200, image.text
    url = image.json()["data"]["image_url"]
    served = store.http.get(url)
    assert served.status_code == 200 and served.content == PNG
    assert store.delete(f"{values}/{blue['id']}").status_code == 204
    assert [v["label"] for v in store.get(values).json()["data"]] == ["Red"]
    assert store.put(f"{base}/{modifier['id']}", json={"type": "text"}).status_code == 422
    assert (
        store.put(f"{base}/{modifier['id']}", json={"required": False}).json()["data"]["required"]
        is False
    )
    assert store.delete(f"{base}/{modifier['id']}").status_code == 204
    assert store.get(f"{base}/{modifier['id']}").status_code == 404


def test_put_naming_an_unknown_value_changes_nothing(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/modifiers"
    body = {
        "display_name": "Laces",
        "type": "dropdown",
        "required": True,
        "option_values": [{"label": "Red", "sort_order": 0}],
    }
    modifier = store.post(base, json=body).json()["data"]
    answer = store.put(
        f"{base}/{modifier['id']}",
        json={"display_name": "Shoelaces", "option_values": [{"id": 999999, "label": "Blue"}]},
    )
    assert answer.status_code == 422
    assert "option_values[0].id" in answer.json()["errors"]
    after = store.get(f"{base}/{modifier['id']}").json()["data"]
    assert after["display_name"] == "Laces"
