"""Channels V3 in the sandbox: channel 1, the default storefront, exists in every store."""

from __future__ import annotations

from tests.sandbox.conftest import StoreClient


def test_channel_one_is_the_default_storefront(store: StoreClient) -> None:
    data = store.get("/v3/channels").json()["data"]
    assert [(c["id"], c["type"], c["platform"]) for c in data] == [(1, "storefront", "bigcommerce")]
    one = store.get("/v3/channels/1").json()["data"]
    assert one["currencies"]["default_currency"] == "USD"
    assert store.get("/v3/channels", params={"type:in": "pos"}).json()["data"] == []


def test_unknown_channel_is_404(store: StoreClient) -> None:
    assert store.get("/v3/channels/2").status_code == 404
    assert store.get("/v3/channels/2/active-theme").status_code == 404


def test_channel_site_is_the_default_site(store: StoreClient) -> None:
    site = store.get("/v3/channels/1/site").json()["data"]
    assert site == store.get("/v3/sites").json()["data"][0]
    assert store.get("/v3/channels/3/site").status_code == 404
