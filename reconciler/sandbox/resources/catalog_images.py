"""Product images: ``/v3/catalog/products/{id}/images`` (products_catalog.v3.yml).

``POST`` takes JSON with ``image_url`` (kept as given: the sandbox does not download it, so
the ``url_*`` fields point at that URL), or ``multipart/form-data`` with ``image_file``
(JPEG, PNG, GIF or WebP, at most 8 MB). Uploaded bytes are stored base64-encoded in the
``catalog_image_files`` collection and served by the admin route
``GET /_sandbox/stores/{hash}/cdn/{key}/{size}`` (see :func:`image_file_response`), which the
``url_standard``/``url_zoom``/``url_thumbnail``/``url_tiny`` fields point to.
At most one image per product is the thumbnail: setting ``is_thumbnail`` moves it.
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, data_response, empty, read_form, read_object
from reconciler.sandbox.resources.catalog_common import (
    IMAGE_FILES,
    INVALID,
    SCOPE,
    check_fields,
)
from reconciler.sandbox.resources.catalog_documents import (
    IMAGE_FIELDS,
    IMAGE_READ_ONLY,
    MAX_IMAGES,
    add_image,
    get_product,
    image_document,
    touch,
)
from reconciler.sandbox.resources.catalog_product_arrays import ProductArray
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

MAX_FILE_BYTES = 8 * 1024 * 1024
SIZES = ("standard", "zoom", "thumbnail", "tiny")


def sniff(data: bytes) -> str | None:
    """The image media type of ``data`` from its magic bytes, or ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def forget_files(store: Store, images: list[Document]) -> None:
    """Drop the uploaded bytes of ``images`` (when their product or they are deleted)."""
    files = store.collection(IMAGE_FILES)
    for image in images:
        key = f"{image['product_id']}-{image['id']}"
        if key in files:
            files.delete(key)


def image_file_response(store: Store, key: str) -> Response:
    """The uploaded bytes stored under ``key`` with their content type (404 when none)."""
    doc = store.collection(IMAGE_FILES).get(key)
    if doc is None:
        raise ApiProblem(404, "Image not found", {"key": key})
    return Response(base64.b64decode(doc["data"]), media_type=doc["content_type"])


def keep_file(store: Store, request: Request, key: str, data: bytes) -> str:
    """Store uploaded image bytes under ``key``; the URL prefix that serves them."""
    store.collection(IMAGE_FILES).save(
        {"key": key, "content_type": sniff(data), "data": base64.b64encode(data).decode("ascii")}
    )
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return f"{origin}/_sandbox/stores/{store.hash}/cdn/{key}"


async def read_upload(request: Request) -> tuple[dict[str, Any], bytes, str]:
    """The ``image_file`` part of a multipart request (422 when missing or not an image),
    with the other form fields and the file name."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiProblem(422, INVALID, {"image_file": "send multipart/form-data with image_file"})
    return await _form_fields(request)


IMAGES = ProductArray(
    key="images",
    noun="image",
    base="/v3/catalog/products/{product_id:int}/images",
    id_param="image_id",
)
IMAGES.serve_reads(api)


async def _form_fields(request: Request) -> tuple[dict[str, Any], bytes, str]:
    form = await read_form(request, "image_file")
    upload = form.get("image_file")
    fields: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("is_thumbnail", "sort_order", "description"):
        raw = form.get(name)
        if raw is None or isinstance(raw, UploadFile):
            continue
        if name == "is_thumbnail":
            fields[name] = raw.lower() in ("true", "1")
        elif name == "sort_order":
            try:
                fields[name] = int(raw)
            except ValueError:
                errors[name] = "sort_order must be an integer"
        else:
            fields[name] = raw
    if not isinstance(upload, UploadFile):
        errors["image_file"] = "image_file is required (a file part)"
        raise ApiProblem(422, INVALID, errors)
    data = await upload.read()
    if len(data) > MAX_FILE_BYTES:
        errors["image_file"] = "an image file is at most 8 MB"
    elif sniff(data) is None:
        errors["image_file"] = "the file is not a JPEG, PNG, GIF or WebP image"
    if errors:
        raise ApiProblem(422, INVALID, errors)
    return fields, data, upload.filename or "image"


@api.route("POST", IMAGES.base)
async def post_image(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    if len(product["images"]) >= MAX_IMAGES:
        raise ApiProblem(422, INVALID, {"images": f"a product has at most {MAX_IMAGES} images"})
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        fields, data, filename = await _form_fields(request)
        product_id = product["id"]
        image = image_document(store, product_id, fields, file_name=filename)
        base = keep_file(store, request, f"{product_id}-{image['id']}", data)
        for size in SIZES:
            image[f"url_{size}"] = f"{base}/{size}"
    else:
        body = await read_object(request)
        check_fields(body, IMAGE_FIELDS, required=("image_url",), ignored=IMAGE_READ_ONLY)
        image_url = body["image_url"]
        if not image_url.startswith(("http://", "https://")):
            raise ApiProblem(400, "Bad Request", {"image_url": "must be an http(s) URL"})
        image = image_document(store, product["id"], body)
    add_image(product, image)
    touch(store, product)
    return data_response(image)


@api.route("PUT", IMAGES.item_path)
async def put_image(request: Request, store: Store) -> Response:
    product, image = IMAGES.item(request, store)
    body = await read_object(request)
    check_fields(body, IMAGE_FIELDS, ignored=IMAGE_READ_ONLY)
    if body.get("is_thumbnail") is True:
        for other in product["images"]:
            other["is_thumbnail"] = False
    for name in ("is_thumbnail", "sort_order", "description"):
        if name in body:
            image[name] = body[name]
    if "image_url" in body:
        forget_files(store, [image])
        for size in ("standard", "zoom", "thumbnail", "tiny"):
            image[f"url_{size}"] = body["image_url"]
        image["image_file"] = body["image_url"].rsplit("/", 1)[-1]
    image["date_modified"] = product["date_modified"]
    product["images"].sort(key=lambda i: (i["sort_order"], i["id"]))
    touch(store, product)
    image["date_modified"] = product["date_modified"]
    return data_response(image)


@api.route("DELETE", IMAGES.item_path)
async def delete_image(request: Request, store: Store) -> Response:
    product, image = IMAGES.item(request, store)
    IMAGES.remove(product, image["id"])
    if image["is_thumbnail"] and product["images"]:
        product["images"][0]["is_thumbnail"] = True
    forget_files(store, [image])
    touch(store, product)
    return empty(204)
