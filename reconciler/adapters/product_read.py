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

Memory: pages are streamed (:meth:`LiveClient.iter_pages_v3`): each page of products is
mapped as it arrives and dropped, options and modifiers are fetched for the products of
the page that need them (batches of 10 filled across pages, so the count above holds), and
metafields are kept only as ``{"id", "value"}``. Peak memory is the live items plus a few
pages, not every raw page at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.adapters.batching import chunked
from reconciler.adapters.common import OWNER_KEY, OWNER_NAMESPACE
from reconciler.adapters.product_map import (
    IMAGES_KEY,
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
    """StagingPro's metafields (``managed``, ``images``, ``protect``) by product id, then
    key, each as ``{"id", "value"}``: of every product, or of ``product_ids``
    (``resource_id:in`` batches of 250)."""
    queries: list[dict[str, QueryValue]] = (
        [{"namespace": OWNER_NAMESPACE}] if product_ids is None else [
            {"namespace": OWNER_NAMESPACE, "resource_id:in": ids}
            for ids in chunked(list(product_ids), 250)
        ]
    )
    by_product: dict[int, dict[str, Mapping[str, Any]]] = {}
    for query in queries:
        async for page in client.iter_pages_v3(METAFIELDS, query):
            for metafield in page:
                if metafield.get("namespace") != OWNER_NAMESPACE:
                    continue
                # Only what is used is kept (one to three a product on large stores).
                own = by_product.setdefault(int(metafield["resource_id"]), {})
                own[metafield["key"]] = {"id": metafield["id"], "value": metafield.get("value")}
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
    """Every live product with a SKU, by match key (see the module docstring).

    Streamed to keep memory flat on large stores: each page of products is mapped to
    :class:`LiveItem` values as it arrives and dropped; only StagingPro's metafields
    (compact, read alongside) and the few products waiting for a batch of options and
    modifiers are held. Batches of 10 are filled across pages, so the request count is
    the same as reading everything first.
    """
    metafields = asyncio.ensure_future(own_metafields(ctx.client))
    reader = _PageReader(ctx, metafields)
    try:
        async for page in ctx.client.iter_pages_v3(PATH, {"include": INCLUDE}):
            await reader.take(page)
        await reader.finish()
    finally:
        if not metafields.done():
            metafields.cancel()
            await asyncio.gather(metafields, return_exceptions=True)
    return reader.items()


_Waiting = tuple[Mapping[str, Any], tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]] | None]
"""A raw product whose mapping waits, with its options and modifiers when read."""


class _PageReader:
    """Maps pages of raw products to live items as they arrive (:func:`read_products`)."""

    def __init__(
        self, ctx: LiveContext, metafields: asyncio.Future[dict[int, dict[str, Mapping[str, Any]]]]
    ) -> None:
        self.ctx = ctx
        self.metafields = metafields
        self.found: dict[str, LiveItem | None] = {}
        """By match key in the order the store lists them (``None``: not mapped yet)."""
        self.choosing: list[Mapping[str, Any]] = []
        """Products waiting for their options and modifiers (fewer than a batch)."""
        self.later: list[_Waiting] = []
        """Products whose options name products not listed yet (mapped at the end)."""

    async def take(self, page: list[Any]) -> None:
        """Map one page; products needing options wait for a full batch of 10."""
        keyed = [p for p in page if isinstance(p.get("sku"), str) and p["sku"]]
        ready: list[_Waiting] = []
        for product in keyed:
            self.ctx.ids.remember(PRODUCT_KIND, product["sku"], product["id"])
            self.found[PRODUCT_KIND.match_key(str(product["sku"]))] = None
            if _needs_choices(self.ctx, product["sku"]):
                self.choosing.append(product)
            else:
                ready.append((product, None))
        full = len(self.choosing) - len(self.choosing) % DETAIL_PAGE
        if full:
            batch, self.choosing = self.choosing[:full], self.choosing[full:]
            ready += await self._with_choices(batch)
        await self._map(ready)

    async def finish(self) -> None:
        """Map what still waits: the last partial batch, then products whose options
        name other products (every product's id is known by now)."""
        await self.metafields  # read even when the store lists no product: errors surface
        ready = await self._with_choices(self.choosing) if self.choosing else []
        self.choosing = []
        await self._map(ready)
        later, self.later = self.later, []
        await self._map(later, last=True)

    def items(self) -> dict[str, LiveItem]:
        return {match: item for match, item in self.found.items() if item is not None}

    async def _with_choices(self, products: list[Mapping[str, Any]]) -> list[_Waiting]:
        choices = await read_choices(self.ctx.client, [int(p["id"]) for p in products])
        return [(p, choices.get(int(p["id"]))) for p in products]

    async def _map(self, waiting: list[_Waiting], *, last: bool = False) -> None:
        if not waiting:
            return
        metafields = await self.metafields
        for product, choices in waiting:
            options, modifiers = choices if choices is not None else (None, None)
            if not last and options and not self._resolvable(options):
                self.later.append((product, choices))
                continue
            product_id = int(product["id"])
            own = metafields.get(product_id, {})
            data = live_data(product, self.ctx.ids, own, options=options, modifiers=modifiers)
            ids = product_ids(
                product, options=options, modifiers=modifiers, metafields=metafield_ids(own)
            )
            key = str(product["sku"])
            self.found[PRODUCT_KIND.match_key(key)] = LiveItem(
                key, data, ids, owned=OWNER_KEY in own
            )

    def _resolvable(self, options: list[Mapping[str, Any]]) -> bool:
        """Whether every product an option value names (product-list options) is known."""
        for option in options:
            for value in option.get("option_values") or []:
                data = value.get("value_data")
                named = data.get("product_id") if isinstance(data, Mapping) else None
                if named and self.ctx.ids.key_of(PRODUCT_KIND, named) is None:
                    return False
        return True
