"""Customer groups: ``/v2/customer_groups`` (customers.v2.yml, a V2 resource).

* read: the V2 list (a bare array, 250 a page, 204 or ``[]`` past the end), so N groups
  cost ``ceil(N/250)`` requests plus the empty page that proves the end when the last page
  is full. Category ids (``category_access.categories``, ``category`` rules) become
  category paths, ``product_id`` the product's SKU and ``price_list_id`` the price list's
  name, through ``ctx.ids`` (filled by the catalogue adapters, which are read first); an
  id the maps do not know is kept visibly as ``"#<id>"`` so the plan shows it replaced.
  ``categories`` is only reported for ``type: specific`` (the API may echo an empty list
  for ``all``/``none``, which the model forbids). ``ids`` = ``{"id": group id}``.
* write: V2 has no batch endpoints, so each group is one request (sent concurrently,
  paced by the client). References are resolved to this store's ids first; an unknown one
  fails that item without a request. An update sends only the changed top-level fields,
  and ``discount_rules`` whole (a PUT replaces the set). A create whose answer was lost,
  or refused with 409 because the name exists, looks the group up by name (``?name=``,
  exact) and updates it instead. Deleting a group already gone counts as deleted.
* ownership: V2 customer groups carry no metafields or other free field for a marker, so
  ``owned`` is always false: prune mode ``owned`` never deletes a group.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, IdMaps, ItemResult, LiveContext, LiveItem
from reconciler.adapters.batching import status_of
from reconciler.adapters.common import applied, changed_fields, desired_of, each, failed
from reconciler.errors import LiveError, NotFoundError, WriteOutcomeUnknownError
from reconciler.kinds.customer_group import CustomerGroup, CustomerGroupKind
from reconciler.kinds.registry import kind_named
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change

PATH = "/v2/customer_groups"
FLAGS = ("is_default", "is_group_for_guests")
_CATEGORY = kind_named("category")
_PRODUCT = kind_named("product")
_PRICE_LIST = kind_named("price_list")
_RULE_TARGETS = (
    ("category", "category_id", _CATEGORY),
    ("product", "product_id", _PRODUCT),
    ("price_list", "price_list_id", _PRICE_LIST),
)


class UnresolvedReference(Exception):
    """A declared reference with no id in this store (nothing is sent for the item)."""


def _key_or_marker(ids: IdMaps, kind: Any, store_id: Any) -> str:
    key = ids.key_of(kind, store_id)
    return key if key is not None else f"#{store_id}"


def group_data(group: Mapping[str, Any], ids: IdMaps) -> dict[str, Any]:
    """A V2 group as the API returns it → model-shaped values."""
    data: dict[str, Any] = {"name": group["name"]}
    for flag in FLAGS:
        if flag in group:
            data[flag] = group[flag]
    access = group.get("category_access")
    if isinstance(access, Mapping) and "type" in access:
        shaped: dict[str, Any] = {"type": access["type"]}
        if access["type"] == "specific":
            shaped["categories"] = [
                _key_or_marker(ids, _CATEGORY, c) for c in access.get("categories") or []
            ]
        data["category_access"] = shaped
    rules = group.get("discount_rules")
    if isinstance(rules, list):
        data["discount_rules"] = [_rule_data(rule, ids) for rule in rules]
    return data


def _rule_data(rule: Mapping[str, Any], ids: IdMaps) -> dict[str, Any]:
    shaped: dict[str, Any] = {"type": rule.get("type")}
    for name in ("method", "amount"):
        if rule.get(name) is not None:
            shaped[name] = rule[name]
    for field_name, id_field, kind in _RULE_TARGETS:
        if rule.get(id_field) is not None:
            shaped[field_name] = _key_or_marker(ids, kind, rule[id_field])
    return shaped


def group_payload(
    values: Mapping[str, Any], ids: IdMaps, only: set[str] | None = None
) -> dict[str, Any]:
    """Model-shaped values → the V2 body (``only``: just these top-level fields).

    Raises :class:`UnresolvedReference` naming the first reference this store lacks.
    """
    body: dict[str, Any] = {}
    for name in CustomerGroup.model_fields:
        if name not in values or (only is not None and name not in only):
            continue
        value = values[name]
        if name == "category_access" and value is not None:
            body[name] = {"type": value["type"]}
            if value.get("categories") is not None:
                body[name]["categories"] = [
                    _resolve(ids, _CATEGORY, path) for path in value["categories"]
                ]
        elif name == "discount_rules":
            body[name] = [_rule_payload(rule, ids) for rule in value or []]
        else:
            body[name] = value
    return body


def _rule_payload(rule: Mapping[str, Any], ids: IdMaps) -> dict[str, Any]:
    out: dict[str, Any] = {"type": rule["type"]}
    for name in ("method", "amount"):
        if rule.get(name) is not None:
            # customers.v2.yml: amount is "Float, Float as String, Integer"; keep the
            # canonical decimal string exactly, no float rounding.
            out[name] = str(rule[name])
    for field_name, id_field, kind in _RULE_TARGETS:
        if rule.get(field_name) is not None:
            out[id_field] = _resolve(ids, kind, str(rule[field_name]))
    return out


def _resolve(ids: IdMaps, kind: Any, key: str) -> Any:
    store_id = ids.id_of(kind, key)
    if store_id is None:
        raise UnresolvedReference(f"{kind.name.replace('_', ' ')} {key!r} is not in the store")
    return store_id


async def find_group(client: LiveClient, name: str) -> dict[str, Any] | None:
    """The live group named exactly ``name``, or ``None`` (V2 ``name=`` is exact)."""
    found = await client.get(PATH, {"name": name})
    for group in found if isinstance(found, list) else []:
        if group.get("name") == name:
            return dict(group)
    return None


class CustomerGroupAdapter(Adapter):
    kind = CustomerGroupKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        items: dict[str, LiveItem] = {}
        for group in await ctx.client.paginate_v2(PATH):
            name = group.get("name")
            if not isinstance(name, str) or not name:
                continue
            ctx.ids.remember(self.kind, name, group["id"])
            items[self.kind.match_key(name)] = LiveItem(
                name, group_data(group, ctx.ids), {"id": group["id"]}
            )
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        async def one(change: Change) -> ItemResult:
            try:
                if change.action == "create":
                    return await self._create(ctx, change)
                if change.action == "update":
                    return await self._update(ctx, change)
                return await self._delete(ctx, change)
            except UnresolvedReference as missing:
                return failed(change, f"{missing}; create it first or fix the reference")

        return await each(changes, one)

    async def _create(self, ctx: LiveContext, change: Change) -> ItemResult:
        desired = desired_of(change)
        name = str(desired.get("name", change.key))
        body = group_payload(desired, ctx.ids)
        try:
            created = await ctx.client.post(PATH, body)
        except LiveError as error:
            lost = isinstance(error, WriteOutcomeUnknownError)
            if not lost and status_of(error) != 409:
                raise
            existing = await find_group(ctx.client, name)
            if existing is not None:
                created = await ctx.client.put(f"{PATH}/{existing['id']}", body)
            elif lost:  # it was not created after all: creating it now cannot duplicate
                created = await ctx.client.post(PATH, body)
            else:
                raise
        ctx.ids.remember(self.kind, change.key, created["id"])
        return applied(change, {"id": created["id"]})

    async def _update(self, ctx: LiveContext, change: Change) -> ItemResult:
        group_id = await self._id(ctx, change)
        body = group_payload(desired_of(change), ctx.ids, changed_fields(change))
        await ctx.client.put(f"{PATH}/{group_id}", body)
        if "name" in body:
            ctx.ids.remember(self.kind, str(body["name"]), group_id)
        return applied(change, {"id": group_id})

    async def _delete(self, ctx: LiveContext, change: Change) -> ItemResult:
        group_id = await self._id(ctx, change)
        with contextlib.suppress(NotFoundError):  # already gone: the end state holds
            await ctx.client.delete(f"{PATH}/{group_id}")
        ctx.ids.forget(self.kind, change.key)
        return applied(change, {"id": group_id})

    async def _id(self, ctx: LiveContext, change: Change) -> int:
        known = (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
        if known is not None:
            return int(known)
        existing = await find_group(ctx.client, change.key)
        if existing is None:
            raise NotFoundError(f"customer group {change.key!r} is not in the store")
        return int(existing["id"])


adapter = CustomerGroupAdapter()
