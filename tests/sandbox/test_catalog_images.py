"""Product images: image_url and multipart uploads served back, one thumbnail per product."""

from __future__ import annotations

import pytest

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient

JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64


def test_image_url_create_list_get_and_404(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/images"
    made = store.post(base, json={"image_url": "https://example.com/a.jpg", "description": "front"})
    assert made.status_code == 200
    image = made.json()["data"]
    assert image["is_thumbnail"] is True and image["url_zoom"] == "https://example.com/a.jpg"
    assert store.get(f"{base}/{image['id']}").json()["data"]["description"] == "front"
    assert len(store.get(base).json()["data"]) == 1
    assert store.get(f"{base}/999").status_code == 404
    assert (
        store.post(f"{PRODUCTS}/999/images", json={"image_url": "https://x/y.jpg"}).status_code
        == 404
    )
    assert store.post(base, json={"description": "no url"}).status_code == 422


def test_upload_is_kept_and_served_with_its_content_type(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/images"
    response = store.post(
        base,
        files={"image_file": ("shoe.jpg", JPEG, "image/jpeg")},
        data={"description": "uploaded", "sort_order": "3"},
    )
    assert response.status_code == 200, response.text
    image = response.json()["data"]
    assert image["description"] == "uploaded" and image["sort_order"] == 3
    for size in ("url_standard", "url_zoom", "url_thumbnail", "url_tiny"):
        served = store.http.get(image[size])
        assert served.status_code == 200
        assert served.content == JPEG and served.headers["content-type"] == "image/jpeg"
    not_image = store.post(base, files={"image_file": ("a.txt", b"hello", "text/plain")})
    assert not_image.status_code == 422
    store.delete(f"{base}/{image['id']}")
    assert store.http.get(image["url_standard"]).status_code == 404


def test_one_thumbnail_per_product(store: StoreClient) -> None:
    p = new_product(
        store,
        "Shoe",
        images=[
            {"image_url": "https://x/1.jpg"},
            {"image_url": "https://x/2.jpg", "sort_order": 1},
        ],
    )
    base = f"{PRODUCTS}/{p['id']}/images"
    first, second = store.get(base).json()["data"]
    assert (first["is_thumbnail"], second["is_thumbnail"]) == (True, False)
    assert store.put(f"{base}/{second['id']}", json={"is_thumbnail": True}).status_code == 200
    flags = [i["is_thumbnail"] for i in store.get(base).json()["data"]]
    assert flags == [False, True]
    two = [{"image_url": "https://x/a.jpg", "is_thumbnail": True}] * 2
    assert (
        store.post(
            PRODUCTS, json={"name": "T", "type": "physical", "weight": 1, "price": 1, "images": two}
        ).status_code
        == 422
    )
    primary = store.get(f"{PRODUCTS}/{p['id']}", params={"include": "primary_image"}).json()["data"]
    assert primary["primary_image"]["id"] == second["id"]
    store.delete(f"{base}/{second['id']}")
    assert store.get(base).json()["data"][0]["is_thumbnail"] is True


MALFORMED_MULTIPART = [
    ("multipart/form-data", b"no boundary"),
    ("multipart/form-data; boundary=abc", b"--abc\r\nnot a header\r\n\r\nxx\r\n--abc--\r\n"),
]


@pytest.mark.parametrize(("content_type", "body"), MALFORMED_MULTIPART)
def test_a_malformed_multipart_body_is_400(
    store: StoreClient, content_type: str, body: bytes
) -> None:
    product = new_product(store, "Shoe")
    images = f"{PRODUCTS}/{product['id']}/images"
    variant_image = f"{PRODUCTS}/{product['id']}/variants/{product['base_variant_id']}/image"
    for path, part in (
        (images, "image_file"),
        (variant_image, "image_file"),
        ("/v3/themes", "file"),
    ):
        response = store.post(path, content=body, headers={"Content-Type": content_type})
        assert response.status_code == 400, (path, response.text)
        assert part in response.json()["errors"]
    assert store.get(images).json()["data"] == []
