"""Customer groups V2 in the sandbox: bare arrays, 204 on empty pages, V2 errors, names."""

from __future__ import annotations

from tests.sandbox.conftest import StoreClient

GROUPS = "/v2/customer_groups"


def test_empty_page_is_204_and_lists_are_bare_arrays(store: StoreClient) -> None:
    empty = store.get(GROUPS)
    assert empty.status_code == 204 and empty.content == b""
    created = store.post(GROUPS, json={"name": "Trade"})
    assert created.status_code == 200
    group = created.json()
    assert group["category_access"] == {"type": "all"} and group["discount_rules"] == []
    listed = store.get(GROUPS)
    assert listed.status_code == 200 and listed.json() == [group]
    assert store.get(GROUPS, params={"page": 2}).status_code == 204
    assert store.get(f"{GROUPS}/count").json() == {"count": 1}


def test_name_filter_is_exact(store: StoreClient) -> None:
    store.post(GROUPS, json={"name": "Trade"})
    store.post(GROUPS, json={"name": "Trade Plus"})
    assert [g["name"] for g in store.get(GROUPS, params={"name": "Trade"}).json()] == ["Trade"]
    assert store.get(GROUPS, params={"name": "trade"}).status_code == 204
    assert len(store.get(GROUPS, params={"name:like": "trade"}).json()) == 2
    today = store.get(GROUPS).json()[0]["date_created"][:10]
    assert len(store.get(GROUPS, params={"date_created": today}).json()) == 2
    assert store.get(GROUPS, params={"date_created:max": "2000-01-01"}).status_code == 204


def test_required_name_and_v2_error_body(store: StoreClient) -> None:
    response = store.post(GROUPS, json={"is_default": True})
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body, list) and body[0]["status"] == 400 and "name" in body[0]["message"]
    assert store.get(GROUPS).status_code == 204


def test_duplicate_name_is_409(store: StoreClient) -> None:
    store.post(GROUPS, json={"name": "Trade"})
    response = store.post(GROUPS, json={"name": "trade"})
    assert response.status_code == 409 and isinstance(response.json(), list)


def test_discount_rules_are_validated_and_replaced(store: StoreClient) -> None:
    bad = store.post(GROUPS, json={"name": "VIP", "discount_rules": [{"type": "price_list"}]})
    assert bad.status_code == 400
    list_id = store.post("/v3/pricelists", json={"name": "VIP prices"}).json()["data"]["id"]
    rules = [{"type": "price_list", "price_list_id": list_id}]
    group = store.post(GROUPS, json={"name": "VIP", "discount_rules": rules}).json()
    assert group["discount_rules"] == rules
    new_rules = [{"type": "all", "method": "percent", "amount": "5.0000"}]
    updated = store.put(f"{GROUPS}/{group['id']}", json={"discount_rules": new_rules}).json()
    assert updated["discount_rules"] == new_rules


def test_single_default_and_delete(store: StoreClient) -> None:
    first = store.post(GROUPS, json={"name": "A", "is_default": True}).json()
    second = store.post(GROUPS, json={"name": "B", "is_default": True}).json()
    assert store.get(f"{GROUPS}/{first['id']}").json()["is_default"] is False
    assert store.get(f"{GROUPS}/{second['id']}").json()["is_default"] is True
    assert store.delete(f"{GROUPS}/{first['id']}").status_code == 204
    missing = store.get(f"{GROUPS}/{first['id']}")
    assert missing.status_code == 404 and missing.json()[0]["status"] == 404
