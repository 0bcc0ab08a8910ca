"""Product variants V3 (product-variants_catalog.v3.yml).

* ``/v3/catalog/products/{id}/variants`` list/create, ``.../{variant_id}`` get/update/delete,
  ``.../{variant_id}/image`` (``image_url``, or a multipart ``image_file`` of at most 1 MB);
* ``GET /v3/catalog/variants`` store-wide (``sku``, ``sku:in``, ``id:in``, ``product_id:in``);
* ``PUT /v3/catalog/variants``: at most 50 items; with ``id`` an update, with
  ``product_id`` + ``sku`` + ``option_values`` a create.

A variant's SKU is unique across products and variants, case-insensitively (409); its
option values (``option_id`` + ``id``, or ``option_display_name`` + ``label`` of existing
options) must be a combination no other variant of the product has (409).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ApiProblem,
    check_batch_size,
    csv_param,
    data_response,
    empty,
    int_list_param,
    json_response,
    list_response,
    read_array,
    read_object,
)
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    SCOPE,
    Field,
    check_fields,
    conflict,
    field_selector,
    known,
    not_found,
    select_fields,
)
from reconciler.sandbox.resources.catalog_documents import (
    MAX_VARIANTS,
    VARIANT_FIELDS,
    OptionResolver,
    add_option_variant,
    combination,
    drop_variants,
    find_variant,
    get_product,
    new_variant,
    product_of_variant,
    products,
    same_option_values,
    set_variant_fields,
    sku_taken,
    touch,
    variant_errors,
)
from reconciler.sandbox.resources.catalog_images import keep_file, read_upload
from reconciler.sandbox.storage import Document, Store

MAX_VARIANT_FILE_BYTES = 1024 * 1024

api = Api(scope=SCOPE)

Combos = set[tuple[int, frozenset[int]]]

MAX_BATCH = 50


def _variant(product: Document, variant_id: int) -> Document:
    variant = find_variant(product, variant_id)
    if variant is None:
        raise not_found("variant", variant_id)
    return variant


def _check_create(
    store: Store,
    product: Document,
    body: dict[str, Any],
    claimed: set[str],
    combos: Combos,
    prefix: str = "",
) -> tuple[OptionResolver, list[dict[str, Any]]]:
    """Checks of a new variant; ``claimed`` SKUs and ``combos`` of option values are those
    of variants created earlier in the same request."""
    errors = variant_errors(body, prefix, creating=True)
    if errors:
        raise ApiProblem(422, INVALID, errors)
    if len(product["variants"]) >= MAX_VARIANTS:
        raise ApiProblem(
            422, INVALID, {f"{prefix}sku": f"a product has at most {MAX_VARIANTS} variants"}
        )
    if sku_taken(store, body["sku"], extra=claimed):
        raise conflict(f"{prefix}sku", f"The SKU {body['sku']!r} is already in use")
    resolver = OptionResolver(store, product, may_create=False)
    values = resolver.resolve(body["option_values"], prefix)
    combo = combination(values)
    key = (int(product["id"]), combo)
    if key in combos or any(combination(v["option_values"]) == combo for v in product["variants"]):
        raise conflict(f"{prefix}option_values", "another variant has the same option values")
    claimed.add(body["sku"].lower())
    combos.add(key)
    return resolver, values


def _create(
    store: Store, product: Document, body: dict[str, Any], values: list[dict[str, Any]]
) -> Document:
    fields = known(body, VARIANT_FIELDS)
    fields.pop("product_id", None)
    fields["option_values"] = values
    variant = new_variant(store, product["id"], body["sku"], fields)
    variant["sku_id"] = variant["id"]
    add_option_variant(product, variant)
    return variant


def _check_update(
    store: Store,
    product: Document,
    variant: Document,
    body: dict[str, Any],
    claimed: set[str],
    prefix: str = "",
) -> None:
    errors = variant_errors(body, prefix, creating=False)
    if (
        "option_values" in body
        and f"{prefix}option_values" not in errors
        and not same_option_values(variant, body["option_values"])
    ):
        errors[f"{prefix}option_values"] = "option values of an existing variant cannot change"
    if body.get("product_id") not in (None, product["id"]):
        errors[f"{prefix}product_id"] = "a variant cannot move to another product"
    if errors:
        raise ApiProblem(422, INVALID, errors)
    sku = body.get("sku")
    if sku and sku_taken(
        store, sku, product_id=product["id"], variant_id=variant["id"], extra=claimed
    ):
        raise conflict(f"{prefix}sku", f"The SKU {sku!r} is already in use")
    if sku:
        claimed.add(sku.lower())


def _update(product: Document, variant: Document, body: dict[str, Any]) -> None:
    fields = known(body, VARIANT_FIELDS)
    fields.pop("product_id", None)
    fields.pop("option_values", None)  # checked unchanged by _check_update
    set_variant_fields(variant, fields)
    if "sku" in fields and variant["id"] == product.get("base_variant_id"):
        product["sku"] = variant["sku"]


@api.route("GET", "/v3/catalog/products/{product_id:int}/variants")
async def list_variants(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    include, exclude = field_selector(request)
    return list_response(
        product["variants"], request, render=lambda v: select_fields(v, include, exclude)
    )


@api.route("POST", "/v3/catalog/products/{product_id:int}/variants")
async def post_variant(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    resolver, values = _check_create(store, product, body, set(), set())
    resolver.apply()
    variant = _create(store, product, body, values)
    touch(store, product)
    return data_response(variant)


@api.route("GET", "/v3/catalog/products/{product_id:int}/variants/{variant_id:int}")
async def get_variant(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    include, exclude = field_selector(request)
    return data_response(
        select_fields(_variant(product, request.path_params["variant_id"]), include, exclude)
    )


@api.route("PUT", "/v3/catalog/products/{product_id:int}/variants/{variant_id:int}")
async def put_variant(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    variant = _variant(product, request.path_params["variant_id"])
    body = await read_object(request)
    _check_update(store, product, variant, body, set())
    _update(product, variant, body)
    touch(store, product)
    return data_response(variant)


@api.route("DELETE", "/v3/catalog/products/{product_id:int}/variants/{variant_id:int}")
async def delete_variant(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    variant_id = request.path_params["variant_id"]
    if find_variant(product, variant_id) is not None:
        drop_variants(store, product, lambda v: v["id"] != variant_id)
        touch(store, product)
    return empty(204)


@api.route("POST", "/v3/catalog/products/{product_id:int}/variants/{variant_id:int}/image")
async def post_variant_image(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    variant = _variant(product, request.path_params["variant_id"])
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # "image_file: Form posts. Files larger than 1 MB are not accepted"
        _, data, _ = await read_upload(request)
        if len(data) > MAX_VARIANT_FILE_BYTES:
            raise ApiProblem(422, INVALID, {"image_file": "a variant image file is at most 1 MB"})
        key = f"{product['id']}-variant-{variant['id']}"
        variant["image_url"] = f"{keep_file(store, request, key, data)}/standard"
        touch(store, product)
        return data_response({"image_url": variant["image_url"]})
    body = await read_object(request)
    check_fields(body, {"image_url": Field("str", min_len=1, max_len=255)}, required=("image_url",))
    if not body["image_url"].startswith(("http://", "https://")):
        raise ApiProblem(400, "Bad Request", {"image_url": "must be an http(s) URL"})
    variant["image_url"] = body["image_url"]
    touch(store, product)
    return data_response({"image_url": body["image_url"]})


@api.route("GET", "/v3/catalog/variants")
async def list_all_variants(request: Request, store: Store) -> Response:
    coll = products(store)
    params = request.query_params
    skus = csv_param(request, "sku:in")
    if "sku" in params:
        skus = [*(skus or []), params["sku"]]
    ids = int_list_param(request, "id:in")
    if "id" in params:
        ids = [*(ids or []), int(params["id"])] if params["id"].isdigit() else []
    product_ids = int_list_param(request, "product_id:in")
    if skus is not None:
        found = {d["id"]: d for s in skus for d in coll.lookup("sku", s.lower())}
        docs = [found[k] for k in sorted(found)]
    elif ids is not None:
        found = {d["id"]: d for i in ids for d in coll.lookup("variant", i)}
        docs = [found[k] for k in sorted(found)]
    elif product_ids is not None:
        docs = [d for d in (coll.get(i) for i in sorted(set(product_ids))) if d is not None]
    else:
        docs = list(coll)
    wanted_skus = {s.lower() for s in skus} if skus is not None else None
    wanted_ids = set(ids) if ids is not None else None
    wanted_products = set(product_ids) if product_ids is not None else None
    variants = [
        v
        for d in docs
        if wanted_products is None or d["id"] in wanted_products
        for v in d["variants"]
        if (wanted_skus is None or v["sku"].lower() in wanted_skus)
        and (wanted_ids is None or v["id"] in wanted_ids)
        and ("upc" not in params or v["upc"] == params["upc"])
    ]
    include, exclude = field_selector(request)
    return list_response(variants, request, render=lambda v: select_fields(v, include, exclude))


@api.route("PUT", "/v3/catalog/variants")
async def put_variants(request: Request, store: Store) -> Response:
    items = await read_array(request)
    check_batch_size(len(items), MAX_BATCH)
    claimed: set[str] = set()
    combos: Combos = set()
    plan: list[tuple[str, Document, Any, dict[str, Any]]] = []
    for i, item in enumerate(items):
        prefix = f"[{i}]."
        variant_id = item.get("id")
        if variant_id is not None:
            product = product_of_variant(store, variant_id) if isinstance(variant_id, int) else None
            if product is None:
                raise not_found("variant", variant_id)
            variant = find_variant(product, variant_id)
            assert variant is not None
            _check_update(store, product, variant, item, claimed, prefix)
            plan.append(("update", product, variant, item))
            continue
        product_id = item.get("product_id")
        if not isinstance(product_id, int) or isinstance(product_id, bool):
            raise ApiProblem(
                422,
                INVALID,
                {f"{prefix}id": "give id (update) or product_id, sku and option_values (create)"},
            )
        product = get_product(store, product_id)
        resolver, values = _check_create(store, product, item, claimed, combos, prefix)
        plan.append(("create", product, (resolver, values), item))
    results: list[Document] = []
    for action, product, extra, item in plan:
        if action == "update":
            _update(product, extra, item)
            results.append(extra)
        else:
            resolver, values = extra
            resolver.apply()
            results.append(_create(store, product, item, values))
        touch(store, product)
    return json_response({"data": results, "meta": {}})
