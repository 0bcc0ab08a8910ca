"""301 redirects: ``/v3/storefront/redirects`` (redirects.v3.yml), keyed on (from_path, site).

* read: the store's default site id from ``GET /v2/store`` (``default_site_id``), then the
  redirect list at 250 a page: ``1 + ceil(N/250)`` requests. A redirect on the default
  site has no ``site_id`` in its data (the model's key is then just ``from_path``); one on
  another site keeps it. ``to.entity_id`` becomes the target's natural key (SKU, category
  path, brand name, page url) through ``ctx.ids`` — the reverse maps the product,
  category, brand and page adapters filled — or ``"#<id>"`` when no map knows it (a target
  deleted since). Redirects to blog posts (``post``) are left out: the model cannot
  declare them. ``ids`` = ``{"id": redirect id, "site_id": its site}``.
* write: creates and updates are the same call, the upsert ``PUT`` of :data:`BATCH`
  redirects keyed on (from_path, site_id) — idempotent by nature, so a lost answer or a
  redirect that already exists needs no special handling (the client retries a PUT).
  Targets resolve to this store's ids through ``ctx.ids`` (including items created earlier
  in the same apply); an unknown target fails its item without a request. A batch refused
  with 422 is bisected to isolate the bad redirect. Deletes are ``DELETE ?id:in=`` of
  :data:`BATCH` ids (ids already gone are ignored by the API).
* ownership: redirects carry no metafields or free field for a marker, so ``owned`` is
  always false: prune mode ``owned`` never deletes a redirect.

The spec gives no item limit for the upsert; :data:`BATCH` keeps bodies and ``id:in``
queries to a safe size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, IdMaps, ItemResult, LiveContext, LiveItem
from reconciler.adapters.batching import chunked, send_batches
from reconciler.adapters.common import applied, desired_of, failed
from reconciler.errors import LiveError
from reconciler.kinds.redirect import TARGET_KINDS, RedirectKind
from reconciler.kinds.registry import kind_named
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change

PATH = "/v3/storefront/redirects"
BATCH = 100


async def default_site(client: LiveClient) -> int:
    """The site id of the store's default storefront."""
    store = await client.get("/v2/store")
    return int(store["default_site_id"])


def redirect_data(redirect: Mapping[str, Any], ids: IdMaps, home_site: int) -> dict[str, Any]:
    """A redirect as the API returns it → model-shaped values."""
    data: dict[str, Any] = {"from_path": redirect["from_path"]}
    if redirect.get("site_id") != home_site:
        data["site_id"] = redirect.get("site_id")
    to = redirect.get("to") or {}
    kind = to.get("type")
    if kind == "url":
        data["to"] = {"type": "url", "url": to.get("url")}
    else:
        entity = to.get("entity_id")
        key = ids.key_of(kind_named(str(kind)), entity)
        data["to"] = {"type": kind, "key": key if key is not None else f"#{entity}"}
    return data


class UnresolvedTarget(Exception):
    """The redirect's target has no id in this store."""


def redirect_payload(values: Mapping[str, Any], ids: IdMaps, home_site: int) -> dict[str, Any]:
    """Model-shaped values → one item of the upsert (raises :class:`UnresolvedTarget`)."""
    site = values.get("site_id")
    to = values["to"]
    if to["type"] == "url":
        target: dict[str, Any] = {"type": "url", "url": to["url"]}
    else:
        entity = ids.id_of(kind_named(to["type"]), str(to["key"]))
        if entity is None:
            raise UnresolvedTarget(
                f"redirect target {to['type']} {to['key']!r} is not in the store;"
                " create it first or fix the redirect"
            )
        target = {"type": to["type"], "entity_id": entity}
    return {
        "from_path": values["from_path"],
        "site_id": home_site if site is None else int(site),
        "to": target,
    }


class RedirectAdapter(Adapter):
    kind = RedirectKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        home_site = await default_site(ctx.client)
        declared = ctx.declared_keys.get(self.kind.name, frozenset())
        items: dict[str, LiveItem] = {}
        for redirect in await ctx.client.paginate_v3(PATH):
            to_kind = (redirect.get("to") or {}).get("type")
            if to_kind not in (*TARGET_KINDS, "url") or not redirect.get("from_path"):
                continue
            data = redirect_data(redirect, ctx.ids, home_site)
            explicit = f"site:{home_site}{data['from_path']}"
            if "site_id" not in data and self.kind.match_key(explicit) in declared:
                # The YAML names the default site by its id: key the live redirect the
                # same way, or it would plan as a create on every run.
                data["site_id"] = home_site
            site = data.get("site_id")
            key = data["from_path"] if site is None else f"site:{site}{data['from_path']}"
            ctx.ids.remember(self.kind, key, redirect["id"])
            ids = {"id": redirect["id"], "site_id": redirect.get("site_id")}
            items[self.kind.match_key(key)] = LiveItem(key, data, ids)
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        results: dict[int, ItemResult] = {}
        upserts = [(i, c) for i, c in enumerate(changes) if c.action != "delete"]
        deletes = [(i, c) for i, c in enumerate(changes) if c.action == "delete"]
        if upserts:
            results.update(await self._upsert(ctx, upserts))
        for batch in chunked(deletes, BATCH):
            results.update(await self._delete(ctx, batch))
        return [results[index] for index in range(len(changes))]

    async def _upsert(
        self, ctx: LiveContext, entries: list[tuple[int, Change]]
    ) -> dict[int, ItemResult]:
        try:
            home_site = await default_site(ctx.client)
        except LiveError as error:
            return {index: failed(change, error) for index, change in entries}
        results: dict[int, ItemResult] = {}
        bodies: dict[int, dict[str, Any]] = {}
        for index, change in entries:
            try:
                bodies[index] = redirect_payload(desired_of(change), ctx.ids, home_site)
            except UnresolvedTarget as missing:
                results[index] = failed(change, str(missing))
        outcome = await send_batches(
            [(i, c) for i, c in entries if i in bodies],
            BATCH,
            lambda chunk: ctx.client.put(PATH, [bodies[i] for i, _ in chunk]),
        )
        for chunk, answer in outcome.succeeded:
            saved = {
                (r.get("site_id"), str(r.get("from_path", "")).casefold()): r["id"]
                for r in (answer or {}).get("data", [])
            }
            for index, change in chunk:
                body = bodies[index]
                redirect_id = saved.get((body["site_id"], body["from_path"].casefold()))
                if redirect_id is not None:
                    ctx.ids.remember(self.kind, change.key, redirect_id)
                results[index] = applied(change, {"id": redirect_id, "site_id": body["site_id"]})
        for (index, change), refusal in outcome.failed:
            results[index] = failed(change, refusal)
        return results

    async def _delete(
        self, ctx: LiveContext, batch: list[tuple[int, Change]]
    ) -> dict[int, ItemResult]:
        known = {
            index: (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
            for index, change in batch
        }
        ids = [int(v) for v in known.values() if v is not None]
        try:
            if ids:
                await ctx.client.delete(PATH, {"id:in": ids})
        except LiveError as error:
            return {index: failed(change, error) for index, change in batch}
        for _, change in batch:
            ctx.ids.forget(self.kind, change.key)
        return {index: applied(change, {"id": known[index]}) for index, change in batch}


adapter = RedirectAdapter()
