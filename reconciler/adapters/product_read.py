"""Reading products with the fewest requests the API allows.

* Every product with its variants, images, custom fields and bulk pricing rules:
  ``GET /catalog/products?include=variants,images,custom_fields,bulk_pricing_rules`` at
  250 a page — ``ceil(N/250)`` requests for N products.
* StagingPro's metafields (ownership marker, image sources, ``protect``) of every product in one
  listing, ``GET /catalog/products/metafields?namespace=stagingpro`` at 250 a page —
  ``ceil(M/250)`` requests (at least 1) for M such metafields (one to three a product).
  A ``protect`` metafield reads back as ``protect: true`` (the planner never deletes such
  a product, declared or not).
* Options and modifiers only of the declared products that declare options or modifiers
  (``ctx.declared_keys`` / ``ctx.declared_fields``; every product when the context names
  no product keys, as for an export): the API returns at most 10 products a page when including
  them, so they are fetched in ``id:in`` batches of 10 with ``include=options,modifiers``
  and ``include_fields=id`` — ``ceil(D/10)`` requests for D such products, against ``2·D``
  for the per-product ``/options`` and ``/modifiers`` endpoints, so always the cheaper.

Total: ``ceil(N/250) + max(1, ceil(M/250)) + ceil(D/10)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.adapters.batching import chunked
from reconciler.adapters.common import OWNER_NAMESPACE
from reconciler.adapters.product_map import (
    IMAGES_KEY,
    OWNER_KEY,
    PRODUCT_KIND,
    PROTECT_KEY,
    ImageRecords,
    product_data,
    product_ids,
)
from reconciler.live.client import LiveClient, QueryValue

CHOICE_FIELDS = frozenset({"options", "modifiers"})
PATH = "/v3/catalog/products"
METAFIELDS = "/v3/catalog/products/metafields"
INCLUDE = ("variants", "images", "custom_fields", "bulk_pricing_rules")
DETAIL_PAGE = 10
"""Products per page when options or modifiers are included (products_catalog.v3.yml)."""

Choices = tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]


async def own_metafields(
    client: LiveClient, product_ids: Sequence[int] | None = None
) -> dict[int, dict[str, Mapping[str, Any]]]:
    """StagingPro's metafields (``managed``, ``images``, ``protect``) by product id, then key: of
    every product, or of ``product_ids`` (``resource_id:in`` batches of 250)."""
    if product_ids is None:
        found = await client.paginate_v3(METAFIELDS, {"namespace": OWNER_NAMESPACE})
    else:
        found = []
        for ids in chunked(list(product_ids), 250):
            found += await client.paginate_v3(
                METAFIELDS, {"namespace": OWNER_NAMESPACE, "resource_id:in": ids}
            )
    by_product: dict[int, dict[str, Mapping[str, Any]]] = {}
    for metafield in found:
        if metafield.get("namespace") == OWNER_NAMESPACE:
            by_product.setdefault(int(metafield["resource_id"]), {})[metafield["key"]] = metafield
    return by_product


def live_data(
    product: Mapping[str, Any],
    ids: IdMaps,
    own: Mapping[str, Mapping[str, Any]],
    *,
    options: list[Mapping[str, Any]] | None,
    modifiers: list[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """The model values of a product as read, with ``protect: true`` where StagingPro's
    ``protect`` metafield says so (``own``: the product's metafields by key)."""
    data = product_data(product, ids, image_records(own), options=options, modifiers=modifiers)
    if PROTECT_KEY in own:
        data["protect"] = True
    return data


def metafield_ids(own: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    return {key: int(m["id"]) for key, m in own.items()}


def image_records(own: Mapping[str, Mapping[str, Any]]) -> ImageRecords:
    return ImageRecords.parse((own.get(IMAGES_KEY) or {}).get("value"))


async def read_choices(client: LiveClient, product_ids: list[int]) -> dict[int, Choices]:
    """Options and modifiers of ``product_ids``, in ``id:in`` batches of 10."""

    async def batch(ids: list[int]) -> list[Any]:
        params: dict[str, QueryValue] = {
            "id:in": ids,
            "include": ("options", "modifiers"),
            "include_fields": "id",
            "limit": DETAIL_PAGE,
        }
        body = await client.get(PATH, params)
        return list(body.get("data") or []) if isinstance(body, dict) else []

    pages = await asyncio.gather(*(batch(ids) for ids in chunked(sorted(product_ids),
                                                                  DETAIL_PAGE)))
    return {
        int(p["id"]): (list(p.get("options") or []), list(p.get("modifiers") or []))
        for page in pages
        for p in page
    }


def _needs_choices(ctx: LiveContext, sku: str) -> bool:
    """Whether to read the options and modifiers of the live product ``sku``: only for
    declared products, and, where the context says which fields they declare, only for
    those declaring options or modifiers (they cost a request per 10 products)."""
    match = PRODUCT_KIND.match_key(sku)
    declared = ctx.declared_keys.get(PRODUCT_KIND.name)
    if declared is not None and match not in declared:
        return False
    fields = ctx.declared_fields.get(PRODUCT_KIND.name, {}).get(match)
    return fields is None or bool(fields & CHOICE_FIELDS)


async def read_products(ctx: LiveContext) -> dict[str, LiveItem]:
    """Every live product with a SKU, by match key (see the module docstring)."""
    products, metafields = await asyncio.gather(
        ctx.client.paginate_v3(PATH, {"include": INCLUDE}),
        own_metafields(ctx.client),
    )
    keyed = [p for p in products if isinstance(p.get("sku"), str) and p["sku"]]
    for product in keyed:  # first, so product-list option values can name any product
        ctx.ids.remember(PRODUCT_KIND, product["sku"], product["id"])
    wanted = [int(p["id"]) for p in keyed if _needs_choices(ctx, p["sku"])]
    choices = await read_choices(ctx.client, wanted) if wanted else {}
    items: dict[str, LiveItem] = {}
    for product in keyed:
        product_id = int(product["id"])
        own = metafields.get(product_id, {})
        options, modifiers = choices.get(product_id, (None, None))
        data = live_data(product, ctx.ids, own, options=options, modifiers=modifiers)
        ids = product_ids(
            product, options=options, modifiers=modifiers, metafields=metafield_ids(own)
        )
        key = str(product["sku"])
        items[PRODUCT_KIND.match_key(key)] = LiveItem(key, data, ids, owned=OWNER_KEY in own)
    return items
