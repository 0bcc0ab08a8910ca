"""Products with options, variants, modifiers, images, custom fields and bulk pricing rules.

The API mapping is split by concern: :mod:`.product_map` (API shapes ↔ model values),
:mod:`.product_read` (reading, and what it costs), :mod:`.product_write` (creates,
updates and deletes, and how they batch).

* ``ids`` of a product: ``{"id", "variants": {sku: id}, "base_variant_id", "options"
  and "modifiers": {display name: {"id", "values": {label: id}}}, "images": [id, ...]
  and "image_sort_orders": [...] (in the order read), "custom_fields": {name: id},
  "bulk_pricing_rules": {quantity_min: id}, "metafields": {key: id}}`` (keys of keyed
  lists in their matching form: case-folded SKUs, names, labels).
* ownership: a product metafield in namespace ``stagingpro`` with key ``managed``, created
  with every product StagingPro creates (prune mode ``owned`` deletes only those). A
  second metafield, key ``images``, records where each image came from (repository file
  and its sha256, or URL), since the store only answers its own CDN URLs: an unchanged
  image file plans to no change, a changed one to an update.
* ``protect``: a third metafield, key ``protect``, records ``protect: true`` in the store
  (written on create and on an update that sets it, removed only by an update to
  ``protect: false``) and reads back as ``protect: true``, so a product whose YAML is
  removed is still a blocked delete when pruning, never deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.product_map import PRODUCT_KIND
from reconciler.adapters.product_read import read_products
from reconciler.adapters.product_write import ProductWriter
from reconciler.plan.model import Change


class ProductAdapter(Adapter):
    kind = PRODUCT_KIND

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        return await read_products(ctx)

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        writer = ProductWriter(ctx)
        results: dict[int, ItemResult] = {}
        for action in ("delete", "create", "update"):
            indexed = [(i, c) for i, c in enumerate(changes) if c.action == action]
            if not indexed:
                continue
            batch = [c for _, c in indexed]
            if action == "create":
                done = await writer.create(batch)
            elif action == "update":
                done = await writer.update(batch)
            else:
                done = await writer.delete(batch)
            results.update((i, r) for (i, _), r in zip(indexed, done, strict=True))
        return [results[i] for i in range(len(changes))]


adapter = ProductAdapter()
