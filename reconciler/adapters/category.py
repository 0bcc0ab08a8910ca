"""Categories through the category trees API (category-trees_catalog.v3.yml).

* read: ``GET /catalog/trees`` (which tree serves which channel) and every tree's
  categories from ``GET /catalog/trees/categories`` at 250 a page: ``1 + ceil(N/250)``
  requests. Keys are name paths (``Footwear/Trail``; each name escaped by
  :func:`reconciler.kinds.category.escape_name`: ``Tents\\/Tarps``), prefixed
  ``channel:<id>/`` outside channel 1's tree (:func:`reconciler.kinds.category.tree_key`);
  ``url.path`` becomes ``custom_url``; an empty ``image_url`` becomes ``None``. ``ids`` =
  ``{"id", "tree_id"}``, and every category's id is remembered in ``ctx.ids`` under its
  path, so products can name categories by path.
* write: creates go one depth level at a time (parents before children), each level in
  ``POST /catalog/trees/categories`` batches of :data:`BATCH`; updates in
  ``PUT /catalog/trees/categories`` batches; deletes in ``DELETE
  /catalog/trees/categories?category_id:in=`` batches. These endpoints answer per item
  (207, or 422 when every item failed, with errors keyed ``"<index>.<field>"``), so no
  bisection is needed. A create that failed (or whose answer was lost) is looked up by
  parent and name, and updated when it exists: re-running after a crash never duplicates.
* ownership: a category StagingPro creates (or adopts) gets its marker metafield
  (:mod:`reconciler.adapters.ownership`: one batch request per 50 created categories);
  the markers are read (one more request) only where the environment prunes categories
  in mode ``owned``.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.batching import chunked
from reconciler.adapters.common import applied, changed_fields, desired_of, failed, non_empty
from reconciler.adapters.ownership import Marked, mark_created
from reconciler.errors import ApiDetail, LiveError, WriteOutcomeUnknownError
from reconciler.kinds.category import (
    DEFAULT_CHANNEL,
    CategoryKind,
    escape_name,
    join_path,
    parse_path,
    tree_key,
)
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change

TREES = "/v3/catalog/trees"
MARKED = Marked("categories")
PATH = "/v3/catalog/trees/categories"
BATCH = 100
"""Categories per write request: the spec states no cap for tree-category batches; 100
keeps a request well under any body limit while costing ~1 request per 100 categories."""

SAME_NAMED = (
    "description",
    "is_visible",
    "sort_order",
    "page_title",
    "meta_description",
    "meta_keywords",
    "search_keywords",
    "default_product_sort",
    "image_url",
)
"""Model fields the API spells the same way."""


def category_data(category: Mapping[str, Any], path: str, channel_id: int) -> dict[str, Any]:
    """A tree category as the API returns it → model-shaped values."""
    data: dict[str, Any] = {"path": path, "channel_id": channel_id}
    data.update({n: category[n] for n in SAME_NAMED if n in category})
    if "image_url" in data:
        data["image_url"] = non_empty(data["image_url"])
    url = category.get("url")
    if isinstance(url, Mapping) and url.get("path"):
        data["custom_url"] = url["path"]
    return data


def category_payload(values: Mapping[str, Any], only: set[str] | None = None) -> dict[str, Any]:
    """Model-shaped values → the API's fields (without ``name``, ``parent_id``, ``tree_id``)."""
    body = {n: values[n] for n in SAME_NAMED if n in values and (only is None or n in only)}
    if "custom_url" in values and (only is None or "custom_url" in only):
        body["url"] = {"path": values["custom_url"], "is_customized": True}
    return body


def index_errors(detail: ApiDetail | None, body: Any = None) -> dict[int, str]:
    """Per-item messages of a tree batch answer (207 body, or a 422's detail), by index."""
    raw: Any = {}
    if isinstance(body, Mapping):
        raw = (body.get("errors") or {}).get("errors") or {}
    elif detail is not None:
        raw = dict(detail.errors)
        nested = raw.pop("errors", None)
        if isinstance(nested, str):
            with contextlib.suppress(ValueError):
                raw.update(json.loads(nested))
    messages: dict[int, str] = {}
    for key, message in raw.items():
        head, _, field = str(key).partition(".")
        if head.isdigit():
            index = int(head)
            text = f"{field}: {message}" if field else str(message)
            messages[index] = f"{messages[index]}; {text}" if index in messages else text
    return messages


async def tree_channels(client: LiveClient) -> dict[int, int]:
    """Tree id → the channel it serves (trees serving no channel are left out)."""
    trees = await client.get(TREES)
    found: dict[int, int] = {}
    for tree in trees.get("data", []) if isinstance(trees, dict) else []:
        channels = tree.get("channels") or []
        if channels:
            found[int(tree["id"])] = int(channels[0])
    return found


def _split_key(desired: Mapping[str, Any]) -> tuple[str, str | None, int]:
    """The category's own name (unescaped), its parent's path (escaped) and channel."""
    names = parse_path(str(desired["path"]))
    channel = int(desired.get("channel_id") or DEFAULT_CHANNEL)
    return names[-1], (join_path(names[:-1]) or None), channel


class CategoryAdapter(Adapter):
    kind = CategoryKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        channels = await tree_channels(ctx.client)
        docs, owned = await MARKED.alongside(ctx, self.kind.name, ctx.client.paginate_v3(PATH))
        by_id = {int(d["category_id"]): d for d in docs}
        paths: dict[int, str] = {}

        def path_of(category_id: int) -> str:
            known = paths.get(category_id)
            if known is None:
                doc = by_id[category_id]
                parent = int(doc.get("parent_id") or 0)
                # Escaped, so that a live name holding '/' is one level, never two.
                name = escape_name(str(doc["name"]))
                known = f"{path_of(parent)}/{name}" if parent in by_id else name
                paths[category_id] = known
            return known

        items: dict[str, LiveItem] = {}
        for category_id, doc in by_id.items():
            channel = channels.get(int(doc.get("tree_id") or 0))
            if channel is None:
                continue
            path = path_of(category_id)
            key = tree_key(path, channel)
            ctx.ids.remember(self.kind, key, category_id)
            ids = {"id": category_id, "tree_id": int(doc["tree_id"])}
            items[self.kind.match_key(key)] = LiveItem(
                key, category_data(doc, path, channel), ids, owned=category_id in owned
            )
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        results: dict[int, ItemResult] = {}
        creates = [(i, c) for i, c in enumerate(changes) if c.action == "create"]
        updates = [(i, c) for i, c in enumerate(changes) if c.action == "update"]
        deletes = [(i, c) for i, c in enumerate(changes) if c.action == "delete"]
        if creates:
            results.update(await self._create(ctx, creates))
        if updates:
            results.update(await self._update(ctx, updates))
        if deletes:
            results.update(await self._delete(ctx, deletes))
        return await mark_created(
            ctx.client, MARKED, changes, [results[i] for i in range(len(changes))]
        )

    # --- creates --------------------------------------------------------------------------
    async def _create(
        self, ctx: LiveContext, creates: list[tuple[int, Change]]
    ) -> dict[int, ItemResult]:
        trees = {channel: tree for tree, channel in (await tree_channels(ctx.client)).items()}
        by_depth: dict[int, list[tuple[int, Change]]] = defaultdict(list)
        for index, change in creates:
            by_depth[len(parse_path(str(desired_of(change)["path"])))].append((index, change))
        results: dict[int, ItemResult] = {}
        for depth in sorted(by_depth):
            ready: list[tuple[int, Change, dict[str, Any]]] = []
            for index, change in by_depth[depth]:
                item = self._new_item(ctx, change, trees)
                if isinstance(item, str):
                    results[index] = failed(change, item)
                else:
                    ready.append((index, change, item))
            for batch in chunked(ready, BATCH):
                results.update(await self._create_batch(ctx, batch))
        return results

    def _new_item(
        self, ctx: LiveContext, change: Change, trees: Mapping[int, int]
    ) -> dict[str, Any] | str:
        """The POST item of a create, or why it cannot be sent."""
        desired = desired_of(change)
        name, parent, channel = _split_key(desired)
        item: dict[str, Any] = {"name": name, **category_payload(desired)}
        if parent is None:
            tree = trees.get(channel)
            if tree is None:
                return f"channel {channel} has no category tree in this store"
            item["tree_id"] = tree
        else:
            parent_id = ctx.ids.id_of(self.kind, tree_key(parent, channel))
            if parent_id is None:
                return f"its parent category {parent!r} does not exist in the store"
            item["parent_id"] = parent_id
        return item

    async def _create_batch(
        self, ctx: LiveContext, batch: list[tuple[int, Change, dict[str, Any]]]
    ) -> dict[int, ItemResult]:
        items = [item for _, _, item in batch]
        errors: dict[int, str]
        detail: ApiDetail | None = None
        try:
            answer = await ctx.client.post(PATH, items)
            errors = index_errors(None, answer)
            created = list((answer or {}).get("data") or [])
        except WriteOutcomeUnknownError as error:
            errors = dict.fromkeys(range(len(items)), error.message)
            detail, created = error.detail, []
        except LiveError as error:
            if error.detail is None or error.detail.status != 422:
                return {index: failed(change, error) for index, change, _ in batch}
            errors = index_errors(error.detail) or dict.fromkeys(range(len(items)), error.message)
            detail, created = error.detail, []
        results: dict[int, ItemResult] = {}
        made = iter(created)
        retry: list[tuple[int, Change, dict[str, Any], str]] = []
        for position, (index, change, item) in enumerate(batch):
            if position in errors:
                retry.append((index, change, item, errors[position]))
                continue
            doc = next(made)
            ctx.ids.remember(self.kind, change.key, doc["category_id"])
            ids = {"id": doc["category_id"], "tree_id": doc["tree_id"]}
            results[index] = applied(change, ids)
        if retry:
            results.update(await self._adopt(ctx, retry, detail))
        return results

    async def _adopt(
        self,
        ctx: LiveContext,
        retry: list[tuple[int, Change, dict[str, Any], str]],
        detail: ApiDetail | None,
    ) -> dict[int, ItemResult]:
        """Creates that failed or got no answer: those that exist (same parent, exactly the
        same name, not known as another category) are updated to the declared values; the
        others fail with the store's message.

        The match is exact on purpose: the store refuses ``CAFE`` beside ``Cafe`` (names
        are unique among siblings ignoring case), and taking ``Cafe`` for the failed
        ``CAFE`` would report a create that never happened, and make every later apply
        flip the one category between two declarations.
        """
        parents = sorted({int(item.get("parent_id", 0)) for _, _, item, _ in retry})
        trees = sorted({int(item["tree_id"]) for _, _, item, _ in retry if "tree_id" in item})
        params: dict[str, Any] = {"parent_id:in": parents}
        if trees and parents == [0]:
            params["tree_id:in"] = trees
        existing = await ctx.client.paginate_v3(PATH, params)
        index_of = {
            (int(d.get("parent_id") or 0), int(d["tree_id"]), str(d["name"])): d
            for d in existing
        }
        results: dict[int, ItemResult] = {}
        updates: list[tuple[int, Change, dict[str, Any]]] = []
        for index, change, item, message in retry:
            parent = int(item.get("parent_id", 0))
            tree = item.get("tree_id")
            match = next(
                (
                    d
                    for (p, t, n), d in index_of.items()
                    if p == parent and (tree is None or t == tree) and n == item["name"]
                ),
                None,
            )
            known_as = None if match is None else ctx.ids.key_of(self.kind, match["category_id"])
            if match is None or (known_as is not None and known_as != change.key):
                results[index] = failed(change, f"not created: {message}", detail)
                continue
            body = {k: v for k, v in item.items() if k not in ("tree_id", "parent_id")}
            updates.append((index, change, {"category_id": match["category_id"], **body}))
            ctx.ids.remember(self.kind, change.key, match["category_id"])
        for batch in chunked(updates, BATCH):
            results.update(await self._put_batch(ctx, batch))
        return results

    # --- updates --------------------------------------------------------------------------
    async def _update(
        self, ctx: LiveContext, updates: list[tuple[int, Change]]
    ) -> dict[int, ItemResult]:
        ready: list[tuple[int, Change, dict[str, Any]]] = []
        results: dict[int, ItemResult] = {}
        for index, change in updates:
            category_id = (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
            if category_id is None:
                results[index] = failed(change, "the category is no longer in the store")
                continue
            body = category_payload(desired_of(change), changed_fields(change))
            ready.append((index, change, {"category_id": int(category_id), **body}))
        for batch in chunked(ready, BATCH):
            results.update(await self._put_batch(ctx, batch))
        return results

    async def _put_batch(
        self, ctx: LiveContext, batch: list[tuple[int, Change, dict[str, Any]]]
    ) -> dict[int, ItemResult]:
        items = [item for _, _, item in batch]
        try:
            answer = await ctx.client.put(PATH, items)
            errors, detail = index_errors(None, answer), None
        except LiveError as error:
            if error.detail is None or error.detail.status != 422:
                return {index: failed(change, error) for index, change, _ in batch}
            errors = index_errors(error.detail) or dict.fromkeys(range(len(items)), error.message)
            detail = error.detail
        results: dict[int, ItemResult] = {}
        for position, (index, change, item) in enumerate(batch):
            if position in errors:
                results[index] = failed(change, errors[position], detail)
            else:
                results[index] = applied(change, {"id": item["category_id"]})
        return results

    # --- deletes --------------------------------------------------------------------------
    async def _delete(
        self, ctx: LiveContext, deletes: list[tuple[int, Change]]
    ) -> dict[int, ItemResult]:
        results: dict[int, ItemResult] = {}
        known: list[tuple[int, Change, int]] = []
        for index, change in deletes:
            category_id = (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
            if category_id is None:  # not in the store: already deleted
                results[index] = applied(change)
            else:
                known.append((index, change, int(category_id)))
        for batch in chunked(known, BATCH):
            try:
                await ctx.client.delete(PATH, {"category_id:in": [cid for _, _, cid in batch]})
            except LiveError as error:
                results.update({index: failed(change, error) for index, change, _ in batch})
                continue
            for index, change, category_id in batch:
                ctx.ids.forget(self.kind, change.key)
                results[index] = applied(change, {"id": category_id})
        return results


adapter = CategoryAdapter()

