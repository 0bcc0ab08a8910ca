"""Price lists: ``/v3/pricelists`` and their records (price_lists.v3.yml).

* read: the lists at 250 a page, then the records (``include=sku``, 250 a page) of the
  lists the declared state has (``ctx.declared_keys["price_list"]``; of every list when
  the context names none): ``ceil(L/250) + Σ ceil(Rᵢ/250)`` requests. A record's
  currency is the API's lower-case code in upper case, as the model writes ISO 4217.
  ``ids`` = ``{"id"}``.
* write: a list is created with ``POST /pricelists`` (or, when its name exists or the
  answer was lost, found by name and updated), renamed or (de)activated with ``PUT
  /pricelists/{id}``; its records are upserted by SKU and currency with ``PUT
  /pricelists/{id}/records`` in batches of 1,000 (at most 2 in flight, the endpoint's
  cap); a batch answered 422 is bisected to name the refused records while the others are
  written. Records a declaration no longer has are removed with ``DELETE
  .../records?sku:in=&currency=`` (one request per currency). Lists are deleted with
  ``DELETE /pricelists?id:in=`` batches.
* ownership: price lists cannot carry a StagingPro marker (no metafields), so ``owned``
  is always false and prune mode ``owned`` never deletes one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.batching import chunked, send_batches, status_of
from reconciler.adapters.common import applied, changed_fields, each, failed, numbers
from reconciler.errors import LiveError, WriteOutcomeUnknownError
from reconciler.kinds.price_list import PriceListKind
from reconciler.live.client import LiveClient
from reconciler.plan.model import ABSENT, Change

PATH = "/v3/pricelists"
RECORD_BATCH = 1000  # PUT /pricelists/{id}/records: "up to 1,000 records"
RECORD_CONCURRENCY = 2  # "2 concurrent requests"
DELETE_BATCH = 250
PRICES = ("price", "sale_price", "retail_price", "map_price")


def record_key(sku: str, currency: str) -> str:
    """The match form of a record's key (as the planner matches them: case-folded)."""
    return f"{sku} {currency}".casefold()


def record_data(record: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"sku": record.get("sku", ""),
                            "currency": str(record.get("currency", "")).upper()}
    data.update({n: record[n] for n in PRICES if record.get(n) is not None})
    return data


def record_payload(record: Mapping[str, Any]) -> dict[str, Any]:
    # Sent as declared: the store saves the code lower-cased itself (compared ignoring case).
    body = {"sku": record["sku"], "currency": record["currency"]}
    body.update({n: record[n] for n in PRICES if n in record})
    return numbers(body, PRICES)


async def find_list(client: LiveClient, name: str) -> dict[str, Any] | None:
    body = await client.get(PATH, {"name": name})
    for found in body.get("data") or [] if isinstance(body, dict) else []:
        if found.get("name") == name:
            return dict(found)
    return None


class PriceListAdapter(Adapter):
    kind = PriceListKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        lists = await ctx.client.paginate_v3(PATH)
        declared = ctx.declared_keys.get(self.kind.name)
        items: dict[str, LiveItem] = {}
        for price_list in lists:
            name = str(price_list["name"])
            ctx.ids.remember(self.kind, name, price_list["id"])
            data: dict[str, Any] = {"name": name, "active": price_list.get("active")}
            if declared is None or self.kind.match_key(name) in declared:
                records = await ctx.client.paginate_v3(
                    f"{PATH}/{price_list['id']}/records", {"include": "sku"}
                )
                data["records"] = [record_data(r) for r in records]
            items[self.kind.match_key(name)] = LiveItem(name, data, {"id": price_list["id"]})
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        deletes = [c for c in changes if c.action == "delete"]
        results = {id(c): r for c, r in zip(deletes, await self._delete(ctx, deletes),
                                            strict=True)}
        others = [c for c in changes if c.action != "delete"]
        for change, result in zip(others, await each(others, lambda c: self._upsert(ctx, c)),
                                  strict=True):
            results[id(change)] = result
        return [results[id(c)] for c in changes]

    async def _upsert(self, ctx: LiveContext, change: Change) -> ItemResult:
        desired = dict(change.desired or {})
        header: dict[str, Any] = {k: desired[k] for k in ("name", "active") if k in desired}
        if change.action == "create":
            list_id = await self._create(ctx, header)
            touched = None  # every declared record
        else:
            known = (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
            if known is None:
                return failed(change, "the price list is no longer in the store")
            list_id = int(known)
            if changed_fields(change) & {"name", "active"}:
                await ctx.client.put(f"{PATH}/{list_id}", {"name": change.key, **header})
            # Entries of ``records`` are named "<sku> <currency>" in change paths.
            touched = {str(f.path[1]).casefold() for f in change.fields
                       if len(f.path) >= 2 and f.path[0] == "records" and f.after is not ABSENT}
        ctx.ids.remember(self.kind, str(desired.get("name", change.key)), list_id)
        records = [r for r in desired.get("records") or []
                   if touched is None or record_key(r["sku"], r["currency"]) in touched]
        problems = await self._upsert_records(ctx, list_id, records)
        if change.action == "update":
            problems += await self._remove_records(ctx, list_id, change)
        if problems:
            return failed(change, "; ".join(problems))
        return applied(change, {"id": list_id})

    async def _create(self, ctx: LiveContext, header: dict[str, Any]) -> int:
        try:
            return int((await ctx.client.post(PATH, header))["data"]["id"])
        except LiveError as error:
            lost = isinstance(error, WriteOutcomeUnknownError)
            if not lost and status_of(error) != 409:
                raise
            existing = await find_list(ctx.client, str(header["name"]))
            if existing is not None:
                await ctx.client.put(f"{PATH}/{existing['id']}", header)
                return int(existing["id"])
            if not lost:
                raise
            return int((await ctx.client.post(PATH, header))["data"]["id"])

    async def _upsert_records(
        self, ctx: LiveContext, list_id: int, records: list[Mapping[str, Any]]
    ) -> list[str]:
        path = f"{PATH}/{list_id}/records"
        outcome = await send_batches(
            [record_payload(r) for r in records], RECORD_BATCH,
            lambda batch: ctx.client.put(path, batch), concurrency=RECORD_CONCURRENCY,
        )
        return [
            f"record {item['sku']} {str(item['currency']).upper()}: {error.message}"
            for item, error in outcome.failed
        ]

    async def _remove_records(self, ctx: LiveContext, list_id: int, change: Change) -> list[str]:
        by_currency: dict[str, list[str]] = defaultdict(list)
        for f in change.fields:
            if len(f.path) == 2 and f.path[0] == "records" and f.after is ABSENT:
                before = f.before if isinstance(f.before, Mapping) else {}
                sku, _, currency = str(f.path[1]).rpartition(" ")
                sku = str(before.get("sku", sku))
                by_currency[str(before.get("currency", currency)).lower()].append(sku)
        problems = []
        for currency, skus in sorted(by_currency.items()):
            for batch in chunked(skus, DELETE_BATCH):
                try:
                    await ctx.client.delete(f"{PATH}/{list_id}/records",
                                            {"sku:in": batch, "currency": currency})
                except LiveError as error:
                    problems.append(f"removing {currency.upper()} records: {error.message}")
        return problems

    async def _delete(self, ctx: LiveContext, changes: list[Change]) -> list[ItemResult]:
        known = [(c, (c.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, c.key))
                 for c in changes]
        results: dict[int, ItemResult] = {id(c): applied(c) for c, i in known if i is None}
        targets = [(c, int(i)) for c, i in known if i is not None]
        outcome = await send_batches(
            targets, DELETE_BATCH,
            lambda batch: ctx.client.delete(PATH, {"id:in": [i for _, i in batch]}),
        )
        for batch, _ in outcome.succeeded:
            for change, list_id in batch:
                ctx.ids.forget(self.kind, change.key)
                results[id(change)] = applied(change, {"id": list_id})
        for (change, _), error in outcome.failed:
            results[id(change)] = failed(change, error)
        return [results[id(c)] for c in changes]


adapter = PriceListAdapter()
