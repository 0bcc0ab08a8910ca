"""Web pages: ``/v3/content/pages`` (pages.v3.yml), matched by storefront ``url``.

* read: the page list with ``include=body`` at 250 a page, so N pages cost
  ``ceil(N/250)`` requests. ``parent_id`` becomes the parent's url (``"#<id>"`` when the
  parent is not in the list); ``contact_fields`` (a comma-separated string in the API)
  becomes the model's list and an empty ``email`` is left out (the model has "none", not
  "empty"); ``blog`` pages are left out (the model does not manage them).
  Each type's own fields are reported as the API returns them. ``ids`` = ``{"id": page id}``.
* write: creates are one bulk POST per :data:`BATCH` pages, level by level so a parent
  created in the same apply exists (and has an id) before its children are posted. The spec
  says a bulk POST answered 422 "still creates the valid entries" — so a refused POST is
  never re-sent as is: the pages are listed again, the ones now present (created by this
  POST, or already there before) are updated to the declared values by a bulk PUT and count
  as applied, and only the missing ones are posted one by one, each with its own error.
  The same recovery runs when a POST's answer is lost. Updates are bulk PUTs of
  :data:`BATCH` pages with ``id`` and the changed fields, bisected on 422 to isolate a bad
  page. Deletes are ``DELETE ?id:in=`` of :data:`BATCH` ids; a 404 means some were already
  gone (the others are deleted), which is the end state asked for.
* ownership: pages have no metafields or free field for a marker, so ``owned`` is always
  false: prune mode ``owned`` never deletes a page.

The spec gives no item limit for the bulk endpoints; :data:`BATCH` keeps a request's body
and its ``id:in`` query to a safe size.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, IdMaps, ItemResult, LiveContext, LiveItem
from reconciler.adapters.batching import chunked, send_batches, status_of
from reconciler.adapters.common import applied, changed_fields, desired_of, failed
from reconciler.errors import LiveError, NotFoundError, WriteOutcomeUnknownError
from reconciler.kinds.page import Page, PageKind
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change

PATH = "/v3/content/pages"
BATCH = 100
_SPLIT_FOR = frozenset({404, 409, 422})
"""A bulk PUT is refused whole for one bad page (422) or one page gone (404): split it."""
MODEL_FIELDS = tuple(Page.model_fields)
_DIRECT = tuple(f for f in MODEL_FIELDS if f not in ("parent", "contact_fields"))


def page_data(page: Mapping[str, Any], url_of: Mapping[int, str]) -> dict[str, Any]:
    """A page as the API returns it → model-shaped values (``url_of``: id → url)."""
    data = {name: page[name] for name in _DIRECT if name in page}
    if page.get("type") == "link":
        data.pop("body", None)
    if data.get("email") == "":  # the API's "no contact address"; the model has none
        del data["email"]
    parent = page.get("parent_id") or 0
    if parent:
        data["parent"] = url_of.get(parent, f"#{parent}")
    fields = page.get("contact_fields")
    if isinstance(fields, str) and fields.strip():
        data["contact_fields"] = [f.strip() for f in fields.split(",") if f.strip()]
    return data


def page_payload(
    values: Mapping[str, Any], ids: IdMaps, kind: PageKind, only: set[str] | None = None
) -> dict[str, Any]:
    """Model-shaped values → the API's body (``only``: just these fields).

    Raises :class:`NotFoundError` when the parent page has no id in this store.
    """
    body: dict[str, Any] = {}
    for name in MODEL_FIELDS:
        if name not in values or (only is not None and name not in only):
            continue
        value = values[name]
        if name == "parent":
            if value is None:
                body["parent_id"] = 0
            else:
                parent_id = ids.id_of(kind, str(value))
                if parent_id is None:
                    raise NotFoundError(f"parent page {value!r} is not in the store")
                body["parent_id"] = parent_id
        elif name == "contact_fields":
            body[name] = ",".join(value) if value is not None else ""
        else:
            body[name] = value
    return body


async def list_pages(client: LiveClient) -> list[dict[str, Any]]:
    """Every page, with its body."""
    return [dict(p) for p in await client.paginate_v3(PATH, {"include": "body"})]


def _depth(change: Change, creating: Mapping[str, Change], kind: PageKind) -> int:
    """How many ancestors of ``change`` are created in the same write (cycles stop)."""
    depth, seen = 0, {kind.match_key(change.key)}
    parent = desired_of(change).get("parent")
    while isinstance(parent, str) and kind.match_key(parent) in creating:
        match = kind.match_key(parent)
        if match in seen:
            break
        seen.add(match)
        depth += 1
        parent = desired_of(creating[match]).get("parent")
    return depth


class PageAdapter(Adapter):
    kind = PageKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        pages = await list_pages(ctx.client)
        url_of = {p["id"]: p["url"] for p in pages if isinstance(p.get("url"), str)}
        items: dict[str, LiveItem] = {}
        for page in pages:
            url = page.get("url")
            if page.get("type") == "blog" or not isinstance(url, str) or not url:
                continue
            ctx.ids.remember(self.kind, url, page["id"])
            items[self.kind.match_key(url)] = LiveItem(
                url, page_data(page, url_of), {"id": page["id"]}
            )
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        results: dict[int, ItemResult] = {}
        by_action: dict[str, list[tuple[int, Change]]] = {}
        for index, change in enumerate(changes):
            by_action.setdefault(change.action, []).append((index, change))
        for action, entries in by_action.items():
            writer = {"create": self._create, "update": self._update}.get(action, self._delete)
            for index, result in zip(
                (i for i, _ in entries), await writer(ctx, [c for _, c in entries]), strict=True
            ):
                results[index] = result
        return [results[index] for index in range(len(changes))]

    # -- create ------------------------------------------------------------------------
    async def _create(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        creating = {self.kind.match_key(c.key): c for c in changes}
        levels: dict[int, list[Change]] = {}
        for change in changes:
            levels.setdefault(_depth(change, creating, self.kind), []).append(change)
        done: dict[str, ItemResult] = {}
        for depth in sorted(levels):
            for batch in chunked(levels[depth], BATCH):
                for result in await self._create_batch(ctx, batch):
                    done[self.kind.match_key(result.key)] = result
        return [done[self.kind.match_key(c.key)] for c in changes]

    async def _create_batch(self, ctx: LiveContext, batch: list[Change]) -> list[ItemResult]:
        bodies: list[dict[str, Any]] = []
        results: dict[str, ItemResult] = {}
        sendable: list[Change] = []
        for change in batch:
            try:
                bodies.append(page_payload(desired_of(change), ctx.ids, self.kind))
                sendable.append(change)
            except NotFoundError as missing:
                results[change.key] = failed(change, missing)
        if sendable:
            try:
                created = (await ctx.client.post(PATH, bodies))["data"]
            except LiveError as error:
                if not isinstance(error, WriteOutcomeUnknownError) and status_of(error) != 422:
                    results.update((c.key, failed(c, error)) for c in sendable)
                else:
                    try:
                        results.update(await self._recover(ctx, sendable))
                    except LiveError as lost:  # the pages cannot even be listed
                        results.update((c.key, failed(c, lost)) for c in sendable)
            else:
                for change, page in zip(sendable, created, strict=True):
                    ctx.ids.remember(self.kind, change.key, page["id"])
                    results[change.key] = applied(change, {"id": page["id"]})
        return [results[c.key] for c in batch]

    async def _recover(self, ctx: LiveContext, changes: list[Change]) -> dict[str, ItemResult]:
        """After a refused or unanswered bulk POST: update the pages that exist now,
        post the others one by one (module docstring)."""
        pages = await list_pages(ctx.client)
        by_url = {p["url"]: p for p in pages if isinstance(p.get("url"), str)}
        results: dict[str, ItemResult] = {}
        present: list[tuple[Change, int]] = []
        for change in changes:
            desired = desired_of(change)
            # Matched by url (the key) only: a page with the same *name* elsewhere is a
            # genuine conflict, not this page.
            found = by_url.get(change.key)
            if found is not None:
                present.append((change, int(found["id"])))
                continue
            try:
                page = (await ctx.client.post(PATH, page_payload(desired, ctx.ids, self.kind)))
            except LiveError as error:
                results[change.key] = failed(change, error)
                continue
            created = page["data"][0] if isinstance(page["data"], list) else page["data"]
            ctx.ids.remember(self.kind, change.key, created["id"])
            results[change.key] = applied(change, {"id": created["id"]})
        if present:
            bodies = {
                change.key: {"id": page_id, **page_payload(desired_of(change), ctx.ids, self.kind)}
                for change, page_id in present
            }
            outcome = await send_batches(
                [c for c, _ in present],
                BATCH,
                lambda chunk: ctx.client.put(PATH, [bodies[c.key] for c in chunk]),
                bisect=lambda error: status_of(error) in _SPLIT_FOR,
            )
            for chunk, _ in outcome.succeeded:
                for change in chunk:
                    page_id = bodies[change.key]["id"]
                    ctx.ids.remember(self.kind, change.key, page_id)
                    results[change.key] = applied(change, {"id": page_id})
            for change, refusal in outcome.failed:
                results[change.key] = failed(change, refusal)
        return results

    # -- update ------------------------------------------------------------------------
    async def _update(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        results: dict[str, ItemResult] = {}
        bodies: dict[str, dict[str, Any]] = {}
        for change in changes:
            page_id = self._id(ctx, change)
            if page_id is None:
                results[change.key] = failed(change, f"page {change.key!r} is not in the store")
                continue
            try:
                payload = page_payload(
                    desired_of(change), ctx.ids, self.kind, changed_fields(change)
                )
            except NotFoundError as missing:
                results[change.key] = failed(change, missing)
                continue
            bodies[change.key] = {"id": page_id, **payload}
        outcome = await send_batches(
            [c for c in changes if c.key in bodies],
            BATCH,
            lambda chunk: ctx.client.put(PATH, [bodies[c.key] for c in chunk]),
            bisect=lambda error: status_of(error) in _SPLIT_FOR,
        )
        for chunk, _ in outcome.succeeded:
            for change in chunk:
                page_id = bodies[change.key]["id"]
                url = bodies[change.key].get("url")
                if isinstance(url, str):
                    ctx.ids.remember(self.kind, url, page_id)
                results[change.key] = applied(change, {"id": page_id})
        for change, error in outcome.failed:
            results[change.key] = failed(change, error)
        return [results[c.key] for c in changes]

    # -- delete ------------------------------------------------------------------------
    async def _delete(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        results: dict[str, ItemResult] = {}
        known: list[tuple[Change, int]] = []
        for change in changes:
            page_id = self._id(ctx, change)
            if page_id is None:  # not in the store: the end state holds
                results[change.key] = applied(change)
            else:
                known.append((change, page_id))
        for batch in chunked(known, BATCH):
            try:
                with contextlib.suppress(NotFoundError):  # some were gone already
                    await ctx.client.delete(PATH, {"id:in": [page_id for _, page_id in batch]})
            except LiveError as error:
                results.update((change.key, failed(change, error)) for change, _ in batch)
                continue
            for change, page_id in batch:
                ctx.ids.forget(self.kind, change.key)
                results[change.key] = applied(change, {"id": page_id})
        return [results[c.key] for c in changes]

    def _id(self, ctx: LiveContext, change: Change) -> int | None:
        known = (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
        return int(known) if known is not None else None


adapter = PageAdapter()
