"""Customer global settings: defaults, partial updates merged, bad fields refused whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import StoreClient

SETTINGS = "/v3/customers/settings"


def test_a_new_store_has_the_defaults(store: StoreClient) -> None:
    response = store.get(SETTINGS)
    assert response.status_code == 200
    assert response.json()["data"] == {
        "privacy_settings": {"ask_shopper_for_tracking_consent": False, "policy_url": ""},
        "customer_group_settings": {"guest_customer_group_id": 0, "default_customer_group_id": 0},
    }


def test_put_merges_each_section_and_persists(store: StoreClient) -> None:
    group = store.post("/v2/customer_groups", json={"name": "Retail"}).json()["id"]
    body = {
        "privacy_settings": {"policy_url": "https://shop.example/privacy"},
        "customer_group_settings": {"default_customer_group_id": group},
    }
    response = store.put(SETTINGS, json=body)
    assert response.status_code == 200, response.text
    expected = {
        "privacy_settings": {
            "ask_shopper_for_tracking_consent": False,
            "policy_url": "https://shop.example/privacy",
        },
        "customer_group_settings": {
            "guest_customer_group_id": 0,
            "default_customer_group_id": group,
        },
    }
    assert response.json()["data"] == expected
    assert store.get(SETTINGS).json()["data"] == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"privacy_settings": {"policy_url": 5}}, "privacy_settings.policy_url"),
        ({"privacy_settings": "yes"}, "privacy_settings"),
        (
            {"customer_group_settings": {"guest_customer_group_id": 99}},
            "customer_group_settings.guest_customer_group_id",
        ),
        ({"privacy_settings": {"colour": "red"}}, "privacy_settings.colour"),
        ({"shipping": {}}, "shipping"),
    ],
)
def test_bad_fields_are_422_and_change_nothing(
    store: StoreClient, body: dict[str, Any], field: str
) -> None:
    before = store.get(SETTINGS).json()["data"]
    response = store.put(
        SETTINGS,
        json={**body, "privacy_settings": body.get("privacy_settings", {"policy_url": "x"})},
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert store.get(SETTINGS).json()["data"] == before


def test_a_token_without_the_customers_scope_is_403(store: StoreClient) -> None:
    made = store.http.post(
        "/_sandbox/stores/teststore/tokens",
        json={"token": "products-only", "scopes": {"store_v2_products": "modify"}},
    )
    assert made.status_code == 201
    assert store.with_token("products-only").get(SETTINGS).status_code == 403
