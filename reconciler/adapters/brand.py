"""Brands: ``/v3/catalog/brands`` (brands_catalog.v3.yml).

* read: the brand list at 250 a page; ``custom_url.url`` becomes ``custom_url``, an empty
  ``image_url`` becomes ``None``. ``ids`` = ``{"id": brand id}``.
* write: the API has no batch create or update for brands, so each brand is one request
  (sent concurrently, paced by the client). A create whose answer was lost, or refused
  with 409 because the name exists, looks the brand up by name and updates it instead.
  Deletes use ``DELETE /catalog/brands/{id}``; a brand already gone counts as deleted.
* ownership: a brand StagingPro creates (or adopts) gets its marker metafield
  (:mod:`reconciler.adapters.ownership`: one batch request per 50 created brands); the
  markers are read (one more request) only where the environment prunes brands in mode
  ``owned``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.batching import status_of
from reconciler.adapters.common import (
    applied,
    changed_fields,
    custom_url_in,
    custom_url_out,
    desired_of,
    each,
    non_empty,
    pick,
)
from reconciler.adapters.ownership import Marked, mark_created
from reconciler.errors import LiveError, NotFoundError, WriteOutcomeUnknownError
from reconciler.kinds.brand import Brand, BrandKind
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change

PATH = "/v3/catalog/brands"
FIELDS = tuple(name for name in Brand.model_fields if name != "custom_url")
MARKED = Marked("brands")


def brand_data(brand: Mapping[str, Any]) -> dict[str, Any]:
    """A brand as the API returns it → model-shaped values."""
    data = pick(brand, FIELDS)
    if "image_url" in data:
        data["image_url"] = non_empty(data["image_url"])
    url = custom_url_in(brand.get("custom_url"))
    if url is not None:
        data["custom_url"] = url
    return data


def brand_payload(values: Mapping[str, Any], only: set[str] | None = None) -> dict[str, Any]:
    """Model-shaped values → the API's body (``only``: just these fields)."""
    names = [n for n in values if n in Brand.model_fields and (only is None or n in only)]
    body = {n: values[n] for n in names if n != "custom_url"}
    if "custom_url" in names and values["custom_url"] is not None:
        body["custom_url"] = custom_url_out(values["custom_url"])
    return body


async def find_brand(client: LiveClient, name: str) -> dict[str, Any] | None:
    """The live brand named ``name`` (case-insensitively), or ``None``."""
    found = await client.get(PATH, {"name": name})
    for brand in found.get("data", []) if isinstance(found, dict) else []:
        if str(brand.get("name", "")).casefold() == name.casefold():
            return dict(brand)
    return None


class BrandAdapter(Adapter):
    kind = BrandKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        items: dict[str, LiveItem] = {}
        brands, owned = await MARKED.alongside(ctx, self.kind.name, ctx.client.paginate_v3(PATH))
        for brand in brands:
            name = brand.get("name")
            if not isinstance(name, str) or not name:
                continue
            ctx.ids.remember(self.kind, name, brand["id"])
            items[self.kind.match_key(name)] = LiveItem(
                name, brand_data(brand), {"id": brand["id"]}, owned=int(brand["id"]) in owned
            )
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        async def one(change: Change) -> ItemResult:
            if change.action == "create":
                return await self._create(ctx, change)
            if change.action == "update":
                return await self._update(ctx, change)
            return await self._delete(ctx, change)

        return await mark_created(ctx.client, MARKED, changes, await each(changes, one))

    async def _create(self, ctx: LiveContext, change: Change) -> ItemResult:
        desired = desired_of(change)
        name = str(desired.get("name", change.key))
        body = brand_payload(desired)
        try:
            created = (await ctx.client.post(PATH, body))["data"]
        except LiveError as error:
            lost = isinstance(error, WriteOutcomeUnknownError)
            if not lost and status_of(error) != 409:
                raise
            existing = await find_brand(ctx.client, name)
            if existing is not None:
                created = (await ctx.client.put(f"{PATH}/{existing['id']}", body))["data"]
            elif lost:  # it was not created after all: creating it now cannot duplicate
                created = (await ctx.client.post(PATH, body))["data"]
            else:
                raise  # a 409 about something else (a custom URL in use)
        ctx.ids.remember(self.kind, change.key, created["id"])
        return applied(change, {"id": created["id"]})

    async def _update(self, ctx: LiveContext, change: Change) -> ItemResult:
        brand_id = await self._id(ctx, change)
        body = brand_payload(desired_of(change), changed_fields(change))
        await ctx.client.put(f"{PATH}/{brand_id}", body)
        if "name" in body:
            ctx.ids.remember(self.kind, str(body["name"]), brand_id)
        return applied(change, {"id": brand_id})

    async def _delete(self, ctx: LiveContext, change: Change) -> ItemResult:
        brand_id = await self._id(ctx, change)
        with contextlib.suppress(NotFoundError):  # already gone: the end state holds
            await ctx.client.delete(f"{PATH}/{brand_id}")
        ctx.ids.forget(self.kind, change.key)
        return applied(change, {"id": brand_id})

    async def _id(self, ctx: LiveContext, change: Change) -> int:
        known = (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
        if known is not None:
            return int(known)
        existing = await find_brand(ctx.client, change.key)
        if existing is None:
            raise NotFoundError(f"brand {change.key!r} is not in the store")
        return int(existing["id"])


adapter = BrandAdapter()
