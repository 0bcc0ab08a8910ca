"""Sites V3 in the sandbox: the default storefront's site."""

from __future__ import annotations

from tests.sandbox.conftest import StoreClient


def test_default_site_belongs_to_channel_one_and_has_a_url(store: StoreClient) -> None:
    data = store.get("/v3/sites").json()["data"]
    assert len(data) == 1
    assert data[0]["id"] == store.get("/v2/store").json()["default_site_id"]
    assert data[0]["channel_id"] == 1
    assert data[0]["url"].startswith("https://")
    assert store.get(f"/v3/sites/{data[0]['id']}").json()["data"] == data[0]


def test_unknown_site_is_404_and_channel_filter(store: StoreClient) -> None:
    assert store.get("/v3/sites/5").status_code == 404
    assert store.get("/v3/sites", params={"channel_id:in": "2"}).json()["data"] == []
