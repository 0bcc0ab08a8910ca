"""Webhooks V3 in the sandbox: per-account visibility, https:443 destinations, headers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import StoreClient

HOOKS = "/v3/hooks"
HOOK = {"scope": "store/order/created", "destination": "https://hooks.example.com/orders"}


def test_create_stores_headers_and_defaults(store: StoreClient) -> None:
    hook = store.create(HOOKS, {**HOOK, "headers": {"X-Secret": "s3"}})
    assert hook["is_active"] is True and hook["headers"] == {"X-Secret": "s3"}
    assert hook["client_id"] == "sandbox-client" and hook["store_hash"] == "teststore"
    assert isinstance(hook["created_at"], int)
    assert store.get(f"{HOOKS}/{hook['id']}").json()["data"] == hook


@pytest.mark.parametrize(
    "body, field",
    [
        ({"destination": HOOK["destination"]}, "scope"),
        ({"scope": HOOK["scope"]}, "destination"),
        ({**HOOK, "destination": "http://hooks.example.com/x"}, "destination"),
        ({**HOOK, "destination": "https://hooks.example.com:8443/x"}, "destination"),
        ({**HOOK, "scope": "orders"}, "scope"),
        ({**HOOK, "headers": {"X": 1}}, "headers"),
    ],
)
def test_validation(store: StoreClient, body: dict[str, Any], field: str) -> None:
    response = store.post(HOOKS, json=body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert store.get(HOOKS).json()["data"] == []


def test_port_443_is_accepted(store: StoreClient) -> None:
    store.create(HOOKS, {**HOOK, "destination": "https://hooks.example.com:443/x"})


def test_hooks_are_scoped_to_the_api_account(
    store: StoreClient, other_account: StoreClient
) -> None:
    mine = store.create(HOOKS, HOOK)
    assert other_account.get(HOOKS).json()["data"] == []
    assert other_account.get(f"{HOOKS}/{mine['id']}").status_code == 404
    assert other_account.delete(f"{HOOKS}/{mine['id']}").status_code == 404
    assert [h["id"] for h in store.get(HOOKS).json()["data"]] == [mine["id"]]


def test_filters_update_and_delete_returns_the_hook(store: StoreClient) -> None:
    first = store.create(HOOKS, HOOK)
    store.create(HOOKS, {**HOOK, "scope": "store/product/updated"})
    by_scope = store.get(HOOKS, params={"scope": "store/product/updated"}).json()["data"]
    assert len(by_scope) == 1
    response = store.put(f"{HOOKS}/{first['id']}", json={"is_active": False})
    assert response.status_code == 200 and response.json()["data"]["is_active"] is False
    assert len(store.get(HOOKS, params={"is_active": "false"}).json()["data"]) == 1
    by_dest = store.get(HOOKS, params={"destination": HOOK["destination"]}).json()["data"]
    assert len(by_dest) == 2
    deleted = store.delete(f"{HOOKS}/{first['id']}")
    assert deleted.status_code == 200 and deleted.json()["data"]["id"] == first["id"]
    assert store.get(f"{HOOKS}/{first['id']}").status_code == 404


def test_hooks_need_no_scope(store: StoreClient) -> None:
    """The spec lists no scope for webhooks: any valid token of the store manages them."""
    made = store.http.post(
        "/_sandbox/stores/teststore/tokens",
        json={"token": "content-only", "scopes": {"store_v2_content": "read"}},
    )
    assert made.status_code == 201
    narrow = store.with_token("content-only")
    hook = narrow.create(HOOKS, HOOK)
    assert [h["id"] for h in narrow.get(HOOKS).json()["data"]] == [hook["id"]]
    assert narrow.delete(f"{HOOKS}/{hook['id']}").status_code == 200
