"""BigCommerce's own Python client (the ``bigcommerce`` package, written by no one here)
against ``stagingpro sandbox serve`` over HTTPS with a certificate made for the test.

The package builds every URL as ``https://{host}{api_path}``: ``BigcommerceApi`` takes
its host from ``BC_API_ENDPOINT`` (default ``api.bigcommerce.com``) and
``OAuthConnection`` from its ``host`` argument; ``requests`` trusts the test's CA through
``REQUESTS_CA_BUNDLE``. Nothing in the package is patched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store
from tests.sandbox.serving import served

bigcommerce = pytest.importorskip("bigcommerce")
trustme = pytest.importorskip("trustme")

STORE = "bcstore"
CLIENT_ID = "stagingpro-tests"


@pytest.fixture(scope="module")
def https_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``127.0.0.1:PORT`` of an HTTPS sandbox with store ``bcstore``, and the CA file."""
    folder = tmp_path_factory.mktemp("https")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(cert_file), append=True)
    cert.private_key_pem.write_to_path(str(key_file))
    db = folder / "sandbox.db"
    setup = SandboxDB(db)
    create_store(setup, STORE)
    setup.close()
    with served(db, "--certfile", str(cert_file), "--keyfile", str(key_file)) as url:
        assert url.startswith("https://")
        yield url.removeprefix("https://"), ca_file


@pytest.fixture
def trusted(https_host: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    host, ca_file = https_host
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    monkeypatch.setenv("BC_API_ENDPOINT", host)
    return host


def test_reads_store_information(trusted: str) -> None:
    api = bigcommerce.api.BigcommerceApi(
        client_id=CLIENT_ID, store_hash=STORE, access_token=DEFAULT_TOKEN
    )
    info = api.Store.all()
    assert info["id"] == STORE
    assert info["secure_url"].startswith("https://")
    assert isinstance(api.Time.all()["time"], int)


def test_creates_reads_updates_and_deletes_a_product(trusted: str) -> None:
    v3 = bigcommerce.connection.OAuthConnection(
        CLIENT_ID, STORE, DEFAULT_TOKEN, host=trusted, api_path="/stores/{}/v3/{}"
    )
    created = v3.create(
        "catalog/products",
        {
            "name": "Trail Shoe",
            "type": "physical",
            "sku": "TRAIL-01",
            "weight": 1.2,
            "price": 89.0,
            "variants": [
                {
                    "sku": "TRAIL-01-9",
                    "option_values": [{"option_display_name": "Size", "label": "9"}],
                },
                {
                    "sku": "TRAIL-01-10",
                    "option_values": [{"option_display_name": "Size", "label": "10"}],
                },
            ],
        },
    )["data"]
    product_id = created["id"]
    assert created["sku"] == "TRAIL-01"
    # The client keeps BigCommerce's rate-limit headers from every answer.
    assert v3.rate_limit["requests_quota"] > 0
    assert v3.rate_limit["window_size_ms"] == 30_000

    fetched = v3.get("catalog/products", product_id, include="variants")["data"]
    assert sorted(v["sku"] for v in fetched["variants"]) == ["TRAIL-01-10", "TRAIL-01-9"]
    found = v3.get("catalog/products", sku="TRAIL-01")["data"]
    assert [p["id"] for p in found] == [product_id]

    updated = v3.update("catalog/products", product_id, {"price": 79.0})["data"]
    assert updated["price"] == 79.0
    assert v3.get("catalog/products", product_id)["data"]["price"] == 79.0

    v3.delete("catalog/products", product_id)
    with pytest.raises(bigcommerce.exception.ClientRequestException) as missing:
        v3.get("catalog/products", product_id)
    assert missing.value.status_code == 404


def test_a_wrong_token_is_refused(trusted: str) -> None:
    v3 = bigcommerce.connection.OAuthConnection(
        CLIENT_ID, STORE, "not-the-token", host=trusted, api_path="/stores/{}/v3/{}"
    )
    with pytest.raises(bigcommerce.exception.ClientRequestException) as refused:
        v3.get("catalog/products")
    assert refused.value.status_code == 401
