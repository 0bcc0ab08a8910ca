"""Customers V3 in the sandbox: batches, unique emails, includes, filters, addresses."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox.resources.customers import MAX_BATCH
from tests.sandbox.conftest import StoreClient

CUSTOMERS = "/v3/customers"
ADDRESSES = "/v3/customers/addresses"
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "1 Engine St",
    "city": "London",
    "state_or_province": "London",
    "postal_code": "N1",
    "country_code": "GB",
}


def customer(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "email": f"c{n}@example.com",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        **extra,
    }


def create(store: StoreClient, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = store.post(CUSTOMERS, json=items)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_create_with_addresses_and_defaults(store: StoreClient) -> None:
    [made] = create(
        store, [customer(1, addresses=[ADDRESS], authentication={"new_password": "s3cret!!"})]
    )
    assert made["customer_group_id"] == 0 and made["address_count"] == 1
    assert made["addresses"][0]["country"] == "United Kingdom"
    assert "new_password" not in str(made)
    plain = store.get(CUSTOMERS).json()["data"][0]
    assert "addresses" not in plain and plain["address_count"] == 1
    full = store.get(CUSTOMERS, params={"include": "addresses,storecredit"}).json()["data"][0]
    assert full["addresses"][0]["address1"] == "1 Engine St"
    assert full["store_credit_amounts"] == [{"amount": 0}]


@pytest.mark.parametrize(
    "item, field",
    [
        ({"first_name": "a", "last_name": "b"}, "[1].email"),
        ({"email": "a@example.com", "last_name": "b"}, "[1].first_name"),
        ({"email": "a@example.com", "first_name": "a"}, "[1].last_name"),
        (customer(1, addresses=[{"first_name": "A"}]), "[1].addresses[0].address1"),
        (customer(1, customer_group_id=77), "[1].customer_group_id"),
        (customer(1, nickname="x"), "[1].nickname"),
    ],
)
def test_required_and_invalid_fields(store: StoreClient, item: dict[str, Any], field: str) -> None:
    response = store.post(CUSTOMERS, json=[customer(9), item])
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert store.get(CUSTOMERS).json()["data"] == []


def test_email_is_unique(store: StoreClient) -> None:
    create(store, [customer(1)])
    again = store.post(CUSTOMERS, json=[customer(2, email="C1@example.com")])
    assert again.status_code == 422 and "[0].email" in again.json()["errors"]
    twice = store.post(CUSTOMERS, json=[customer(3), customer(4, email="c3@example.com")])
    assert twice.status_code == 422
    assert len(store.get(CUSTOMERS).json()["data"]) == 1


def test_batch_limits(store: StoreClient) -> None:
    too_many = [customer(n) for n in range(MAX_BATCH + 1)]
    assert store.post(CUSTOMERS, json=too_many).status_code == 413
    made = create(store, [customer(n) for n in range(MAX_BATCH)])
    updates = [{"id": c["id"], "notes": "x"} for c in made] + [{"id": made[0]["id"]}]
    assert store.put(CUSTOMERS, json=updates).status_code == 413


def test_update_needs_ids_and_keeps_emails_unique(store: StoreClient) -> None:
    first, second = create(store, [customer(1), customer(2)])
    assert store.put(CUSTOMERS, json=[{"notes": "x"}]).status_code == 422
    clash = store.put(CUSTOMERS, json=[{"id": second["id"], "email": first["email"]}])
    assert clash.status_code == 422
    response = store.put(CUSTOMERS, json=[{"id": second["id"], "company": "Acme"}])
    assert response.status_code == 200 and response.json()["data"][0]["company"] == "Acme"


def test_filters(store: StoreClient) -> None:
    group = store.post("/v2/customer_groups", json={"name": "Trade"}).json()["id"]
    made = create(store, [customer(1), customer(2, customer_group_id=group), customer(3)])
    by_email = store.get(CUSTOMERS, params={"email:in": "C2@example.com,c3@example.com"}).json()
    assert [c["id"] for c in by_email["data"]] == [made[1]["id"], made[2]["id"]]
    by_group = store.get(CUSTOMERS, params={"customer_group_id:in": str(group)}).json()["data"]
    assert [c["id"] for c in by_group] == [made[1]["id"]]
    by_name = store.get(CUSTOMERS, params={"name:like": "first3"}).json()["data"]
    assert [c["id"] for c in by_name] == [made[2]["id"]]
    by_id = store.get(CUSTOMERS, params={"id:in": f"{made[0]['id']}"}).json()["data"]
    assert [c["email"] for c in by_id] == ["c1@example.com"]
    later = store.get(CUSTOMERS, params={"date_modified:min": "2999-01-01"}).json()["data"]
    assert later == []
    ordered = store.get(CUSTOMERS, params={"sort": "last_name:desc"}).json()["data"]
    assert [c["last_name"] for c in ordered] == ["Last3", "Last2", "Last1"]


def test_delete_without_ids_deletes_nothing(store: StoreClient) -> None:
    made = create(store, [customer(1, addresses=[ADDRESS]), customer(2)])
    assert store.delete(CUSTOMERS).status_code == 204
    assert len(store.get(CUSTOMERS).json()["data"]) == 2
    assert store.delete(CUSTOMERS, params={"id:in": str(made[0]["id"])}).status_code == 204
    assert [c["id"] for c in store.get(CUSTOMERS).json()["data"]] == [made[1]["id"]]
    assert store.get(ADDRESSES).json()["data"] == []


def test_addresses_duplicates_are_silently_skipped(store: StoreClient) -> None:
    [made] = create(store, [customer(1)])
    item = {**ADDRESS, "customer_id": made["id"]}
    first = store.post(ADDRESSES, json=[item, item])
    assert first.status_code == 200 and len(first.json()["data"]) == 1
    again = store.post(ADDRESSES, json=[{**item, "city": "london"}])
    assert again.status_code == 200 and again.json()["data"] == []
    assert len(store.get(ADDRESSES, params={"customer_id:in": str(made["id"])}).json()["data"]) == 1


def test_addresses_validation_update_and_delete(store: StoreClient) -> None:
    [made] = create(store, [customer(1)])
    missing = {k: v for k, v in ADDRESS.items() if k != "postal_code"}
    response = store.post(ADDRESSES, json=[{**missing, "customer_id": made["id"]}])
    assert response.status_code == 422 and "[0].postal_code" in response.json()["errors"]
    unknown = store.post(ADDRESSES, json=[{**ADDRESS, "customer_id": 999}])
    assert unknown.status_code == 422
    address = store.post(ADDRESSES, json=[{**ADDRESS, "customer_id": made["id"]}]).json()["data"][0]
    moved = store.put(ADDRESSES, json=[{"id": address["id"], "city": "Bath"}])
    assert moved.status_code == 200 and moved.json()["data"][0]["city"] == "Bath"
    assert store.put(ADDRESSES, json=[{"id": 999, "city": "x"}]).status_code == 422
    assert store.delete(ADDRESSES).status_code == 422
    assert store.delete(ADDRESSES, params={"id:in": str(address["id"])}).status_code == 204
    assert store.get(ADDRESSES).json()["data"] == []


def test_deleting_a_group_moves_its_customers_out(store: StoreClient) -> None:
    group = store.post("/v2/customer_groups", json={"name": "Trade"}).json()["id"]
    [made] = create(store, [customer(1, customer_group_id=group)])
    assert store.delete(f"/v2/customer_groups/{group}").status_code == 204
    assert store.get(CUSTOMERS).json()["data"][0]["customer_group_id"] == 0
    assert made["customer_group_id"] == group


def test_cursor_pagination_walks_every_customer_once(store: StoreClient) -> None:
    made = create(store, [customer(n) for n in range(7)])
    assert store.get(CUSTOMERS, params={"after": "not-a-cursor"}).status_code == 422
    body = store.get(CUSTOMERS, params={"limit": 3}).json()
    seen = [c["id"] for c in body["data"]]
    while "next" in body["meta"]["cursor_pagination"]["links"]:
        after = body["meta"]["cursor_pagination"]["end_cursor"]
        body = store.get(CUSTOMERS, params={"limit": 3, "after": after}).json()
        seen += [c["id"] for c in body["data"]]
    assert seen == [c["id"] for c in made]
    before = body["meta"]["cursor_pagination"]["start_cursor"]
    back = store.get(CUSTOMERS, params={"limit": 3, "before": before}).json()["data"]
    assert [c["id"] for c in back] == [c["id"] for c in made[3:6]]
