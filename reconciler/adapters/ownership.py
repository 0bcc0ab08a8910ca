"""StagingPro's ownership marker on brands and categories: a metafield.

Prune mode ``owned`` deletes only live items StagingPro created. Brands and categories
(like products, :mod:`reconciler.adapters.product_write`) carry a metafield in the
``stagingpro`` namespace, key ``managed``, written right after StagingPro creates (or
adopts, when a create finds the item already there) one:

* reading the markers costs ``ceil(M/250)`` requests (at least 1) for M marked items, one
  listing of all the resource's metafields filtered by namespace and key
  (``GET /v3/catalog/brands/metafields``, ``GET /v3/catalog/categories/metafields``) —
  and is only done where the environment prunes the kind in mode ``owned``;
* writing them is one batch request per :data:`BATCH` created items
  (``POST …/metafields``); a batch the store refuses is sent again item by item on the
  single endpoint, where "already marked" (409) counts as marked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from reconciler.adapters.base import ItemResult, LiveContext
from reconciler.adapters.batching import chunked, status_of
from reconciler.adapters.common import OWNER_KEY, OWNER_NAMESPACE, failed, own_metafield
from reconciler.errors import LiveError
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change

T = TypeVar("T")

BATCH = 50
"""Markers per batch request: the spec states no cap; 50 keeps bodies small."""


@dataclass(frozen=True)
class Marked:
    """The metafield endpoints of one resource: ``resource`` is its path under
    ``/v3/catalog`` (``"brands"``, ``"categories"``)."""

    resource: str

    @property
    def batch_path(self) -> str:
        return f"/v3/catalog/{self.resource}/metafields"

    def item_path(self, resource_id: int) -> str:
        return f"/v3/catalog/{self.resource}/{resource_id}/metafields"

    async def owned_ids(self, client: LiveClient) -> set[int]:
        """Ids of the resources carrying StagingPro's marker."""
        query = {"namespace": OWNER_NAMESPACE, "key": OWNER_KEY}
        return {
            int(metafield["resource_id"])
            for metafield in await client.paginate_v3(self.batch_path, query)
            if metafield.get("namespace") == OWNER_NAMESPACE
            and metafield.get("key") == OWNER_KEY
        }

    async def alongside(
        self, ctx: LiveContext, kind: str, listing: Awaitable[T]
    ) -> tuple[T, set[int]]:
        """What ``listing`` answers, with the ids carrying the marker read concurrently
        where ``ctx``'s environment prunes ``kind`` in mode ``owned`` (else none)."""
        if ctx.environment.prune.get(kind) != "owned":
            return await listing, set()
        found, owned = await asyncio.gather(listing, self.owned_ids(ctx.client))
        return found, owned

    async def mark(self, client: LiveClient, resource_ids: Sequence[int]) -> dict[int, LiveError]:
        """Put the marker on ``resource_ids``; the ones that could not be marked, with why."""
        failures: dict[int, LiveError] = {}
        for batch in chunked(sorted(set(resource_ids)), BATCH):
            try:
                await client.send("POST", self.batch_path, json=[_marker(i) for i in batch])
            except LiveError:
                # Some of the batch may be written already (the store keeps the valid
                # items of a refused batch): item by item, "already marked" is marked.
                outcomes = await asyncio.gather(*(self._mark_one(client, i) for i in batch))
                failures.update(
                    (i, error) for i, error in zip(batch, outcomes, strict=True) if error
                )
        return failures

    async def _mark_one(self, client: LiveClient, resource_id: int) -> LiveError | None:
        body = _marker(resource_id)
        del body["resource_id"]
        try:
            await client.send("POST", self.item_path(resource_id), json=body)
        except LiveError as error:
            return None if status_of(error) == 409 else error
        return None


async def mark_created(
    client: LiveClient, marked: Marked, changes: Sequence[Change], results: list[ItemResult]
) -> list[ItemResult]:
    """Mark what ``changes`` created (their ``results`` say which, and the ids) as
    StagingPro's; a create whose marker could not be written becomes a failed result that
    says so (applying again writes it: an adopted create is marked too)."""
    created = {
        int(result.ids["id"]): index
        for index, (change, result) in enumerate(zip(changes, results, strict=True))
        if change.action == "create" and result.outcome == "applied" and "id" in result.ids
    }
    unmarked = await marked.mark(client, list(created))
    for resource_id, error in unmarked.items():
        change = changes[created[resource_id]]
        results[created[resource_id]] = failed(change, LiveError(
            f"{change.kind} {change.key!r} was created, but StagingPro's ownership marker"
            f" could not be written: {error.message}",
            hint=f"apply again; until then prune mode 'owned' leaves this {change.kind} alone",
            detail=error.detail,
        ))
    return results


def _marker(resource_id: int) -> dict[str, Any]:
    return own_metafield(resource_id, OWNER_KEY, "stagingpro")
