"""Variant images: an image_url, or a multipart image_file of at most 1 MB
(product-variants_catalog.v3.yml: "image_file: Form posts. Files larger than 1 MB are not
accepted"), served back from the variant's image_url."""

from __future__ import annotations

from tests.sandbox.catalog_support import PRODUCTS, new_product, sized
from tests.sandbox.conftest import StoreClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 64


def test_variant_image_from_a_file_is_served_from_its_image_url(store: StoreClient) -> None:
    p = new_product(store, "Boot", sku="BOOT", variants=sized("BOOT", "9"))
    variant = p["variants"][0]
    path = f"{PRODUCTS}/{p['id']}/variants/{variant['id']}/image"
    response = store.post(path, files={"image_file": ("boot.png", PNG, "image/png")})
    assert response.status_code == 200, response.text
    url = response.json()["data"]["image_url"]
    served = store.http.get(url)
    assert served.status_code == 200 and served.content == PNG
    got = store.get(f"{PRODUCTS}/{p['id']}/variants/{variant['id']}").json()["data"]
    assert got["image_url"] == url


def test_variant_image_files_over_1_mb_or_not_images_are_refused(store: StoreClient) -> None:
    p = new_product(store, "Boot", sku="BOOT", variants=sized("BOOT", "9"))
    path = f"{PRODUCTS}/{p['id']}/variants/{p['variants'][0]['id']}/image"
    big = PNG + b"\x00" * (1024 * 1024)
    assert store.post(path, files={"image_file": ("b.png", big, "image/png")}).status_code == 422
    text = store.post(path, files={"image_file": ("a.txt", b"hello", "text/plain")})
    assert text.status_code == 422
    assert store.post(path, json={"image_url": "https://x/y.png"}).status_code == 200
