"""Orders V2 in the sandbox: creation with computed totals, filters, 204 pages, archiving."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import StoreClient

ORDERS = "/v2/orders"
BILLING = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street_1": "1 Engine St",
    "city": "London",
    "state": "London",
    "zip": "N1",
    "country": "United Kingdom",
    "country_iso2": "GB",
    "email": "ada@example.com",
}
CUSTOM = {"name": "Gift wrap", "quantity": 2, "price_ex_tax": 5, "price_inc_tax": 6}


def create(store: StoreClient, **body: Any) -> dict[str, Any]:
    response = store.post(ORDERS, json={"billing_address": BILLING, "products": [CUSTOM], **body})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_empty_list_is_204_and_count_is_zero(store: StoreClient) -> None:
    response = store.get(ORDERS)
    assert response.status_code == 204 and response.content == b""
    assert store.get(f"{ORDERS}/count").json()["count"] == 0


def test_create_computes_totals(store: StoreClient) -> None:
    order = create(store, shipping_cost_ex_tax=10, shipping_cost_inc_tax=12, discount_amount="1.5")
    assert order["subtotal_ex_tax"] == "10.0000" and order["subtotal_inc_tax"] == "12.0000"
    assert order["total_ex_tax"] == "18.5000" and order["total_inc_tax"] == "22.5000"
    assert order["total_tax"] == "4.0000" and order["items_total"] == 2
    assert order["status_id"] == 1 and order["status"] == "Pending"
    assert order["products"]["resource"] == f"/orders/{order['id']}/products"
    assert "+0000" in order["date_created"]
    lines = store.get(f"{ORDERS}/{order['id']}/products").json()
    assert [(p["name"], p["quantity"], p["total_inc_tax"]) for p in lines] == [
        ("Gift wrap", 2, "12.0000")
    ]


def test_catalogue_products_take_name_sku_and_price(store: StoreClient) -> None:
    product = store.post(
        "/v3/catalog/products",
        json={"name": "Trail Shoe", "type": "physical", "weight": 1, "price": 79, "sku": "TS-1"},
    ).json()["data"]
    order = create(store, products=[{"product_id": product["id"], "quantity": 1}])
    [line] = store.get(f"{ORDERS}/{order['id']}/products").json()
    assert (line["name"], line["sku"], line["price_ex_tax"]) == ("Trail Shoe", "TS-1", "79.0000")
    assert order["total_inc_tax"] == "79.0000"


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"products": [CUSTOM]}, "billing_address"),
        ({"billing_address": BILLING}, "products"),
        ({"billing_address": {**BILLING, "zip": ""}, "products": [CUSTOM]}, "zip"),
        ({"billing_address": BILLING, "products": [{"name": "x"}]}, "quantity"),
        ({"billing_address": BILLING, "products": [{"product_id": 999, "quantity": 1}]}, "999"),
        ({"billing_address": BILLING, "products": [CUSTOM], "status_id": 99}, "status_id"),
        ({"billing_address": BILLING, "products": [CUSTOM], "customer_id": 42}, "customer 42"),
    ],
)
def test_invalid_orders_are_v2_400s(store: StoreClient, body: dict[str, Any], needle: str) -> None:
    response = store.post(ORDERS, json=body)
    assert response.status_code == 400
    [error] = response.json()
    assert error["status"] == 400 and needle in error["message"]
    assert store.get(ORDERS).status_code == 204


def test_filters_and_pagination(store: StoreClient) -> None:
    customer = store.post(
        "/v3/customers",
        json=[{"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}],
    ).json()["data"][0]
    first = create(store, customer_id=customer["id"], external_order_id="EXT-1")
    second = create(store, status_id=11, channel_id=1)
    third = create(store)

    def ids(**params: Any) -> list[int]:
        return [o["id"] for o in store.get(ORDERS, params=params).json()]

    assert ids(customer_id=customer["id"]) == [first["id"]]
    assert ids(status_id=11) == [second["id"]]
    assert ids(min_id=second["id"]) == [second["id"], third["id"]]
    assert ids(external_order_id="EXT-1") == [first["id"]]
    assert ids(email="ADA@example.com") == [first["id"], second["id"], third["id"]]
    assert ids(sort="id:desc") == [third["id"], second["id"], first["id"]]
    assert ids(limit=2, page=2) == [third["id"]]
    assert store.get(ORDERS, params={"limit": 2, "page": 3}).status_code == 204
    assert store.get(ORDERS, params={"min_date_created": "2999-01-01"}).status_code == 204
    assert len(ids(min_date_created="2000-01-01T00:00:00Z")) == 3
    assert len(ids(max_date_modified="Fri, 01 Jan 2999 00:00:00 +0000")) == 3
    assert ids(sort="date_created:asc")[0] == first["id"]
    assert store.get(ORDERS, params={"min_date_created": "soon"}).status_code == 400
    assert store.get(f"{ORDERS}/count", params={"status_id": 11}).json()["count"] == 1


def test_update_recomputes_and_delete_archives(store: StoreClient) -> None:
    order = create(store, shipping_addresses=[{**BILLING, "shipping_method": "Post"}])
    response = store.put(
        f"{ORDERS}/{order['id']}",
        json={"status_id": 2, "shipping_cost_ex_tax": 1, "shipping_cost_inc_tax": 1},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "Shipped" and response.json()["total_inc_tax"] == "13.0000"
    addresses = store.get(f"{ORDERS}/{order['id']}/shipping_addresses").json()
    assert [a["shipping_method"] for a in addresses] == ["Post"]
    assert store.delete(f"{ORDERS}/{order['id']}").status_code == 204
    assert store.get(f"{ORDERS}/{order['id']}").json()["is_deleted"] is True
    assert store.get(ORDERS).status_code == 204
    assert store.get(f"{ORDERS}/424242").status_code == 404


def test_order_statuses(store: StoreClient) -> None:
    statuses = store.get("/v2/order_statuses").json()
    assert [s["id"] for s in statuses] == list(range(15))
    assert statuses[11]["name"] == "Awaiting Fulfillment"


def test_one_line_item_and_one_shipping_address_read_back(store: StoreClient) -> None:
    order = create(store, shipping_addresses=[{**BILLING, "shipping_method": "Post"}])
    base = f"{ORDERS}/{order['id']}"
    line = store.get(f"{base}/products").json()[0]
    assert store.get(f"{base}/products/{line['id']}").json() == line
    address = store.get(f"{base}/shipping_addresses").json()[0]
    assert store.get(f"{base}/shipping_addresses/{address['id']}").json() == address
    for missing in (f"{base}/products/999", f"{base}/shipping_addresses/999"):
        response = store.get(missing)
        assert response.status_code == 404 and response.json()[0]["status"] == 404


@pytest.mark.parametrize("part", ["coupons", "taxes", "shipments", "messages"])
def test_unmodelled_sub_resources_are_empty_pages_of_a_known_order(
    store: StoreClient, part: str
) -> None:
    order = create(store)
    response = store.get(f"{ORDERS}/{order['id']}/{part}")
    assert response.status_code == 204 and response.content == b""
    assert store.get(f"{ORDERS}/999/{part}").status_code == 404


def test_shipment_count_of_an_order(store: StoreClient) -> None:
    order = create(store)
    assert store.get(f"{ORDERS}/{order['id']}/shipments/count").json() == {"count": 0}
    assert store.get(f"{ORDERS}/999/shipments/count").status_code == 404
