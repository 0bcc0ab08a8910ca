"""The shared shape of kinds an API account only sees its own items of, written one item
per request: scripts (``/v3/content/scripts``) and webhooks (``/v3/hooks``).

BigCommerce shows a token only the scripts and hooks its API account created, so every
item read is one StagingPro created (``owned``). Names and keys are not unique in these
APIs, so :class:`AccountScopedAdapter` keeps them unique itself:

* read: the list at 250 a page (``ceil(N/250)`` requests); when two items share a key the
  first listed is the item and the others are left out;
* create: the list is read once per write, and a create whose key already exists (a stale
  plan) updates that item instead of adding a second one; a create whose answer was lost
  reads the list again and updates the item if the POST did land;
* update: the changed fields; delete: an item already gone counts as deleted;
* writes run concurrently (the client paces them); a failing item never stops the others.

A subclass gives the path, the id field, how an API item is keyed and shaped, and the
request body for model-shaped values.
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.common import applied, changed_fields, desired_of, each, failed
from reconciler.errors import ConfigError, LiveError, NotFoundError, WriteOutcomeUnknownError
from reconciler.plan.model import Change
from reconciler.secrets import allowed_reader


class AccountScopedAdapter(Adapter):
    """One request per item, creates guarded against duplicates (module docstring)."""

    path: ClassVar[str]
    """The collection, e.g. ``/v3/content/scripts``; items live at ``{path}/{id}``."""
    id_field: ClassVar[str]
    """The item's id in the API answer and in ``LiveItem.ids`` (``uuid``, ``id``)."""

    @abstractmethod
    def key_of(self, item: Mapping[str, Any]) -> str | None:
        """The natural key of an API item, or ``None`` when it cannot be keyed."""

    @abstractmethod
    def data_of(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """An API item → model-shaped values."""

    @abstractmethod
    def payload(
        self,
        values: Mapping[str, Any],
        key: str,
        only: set[str] | None = None,
        *,
        read: Callable[[str], str],
    ) -> dict[str, Any]:
        """Model-shaped values → the request body (``only``: just these fields), with
        ``{env: NAME}`` references resolved by ``read``. May raise :class:`ConfigError`
        (a variable missing or not allowed), which fails the item."""

    def _reader(self, ctx: LiveContext, change: Change) -> Callable[[str], str]:
        return allowed_reader(
            ctx.environment.secrets, purpose=f"{self.kind.name} {change.key}"
        )

    async def listing(self, ctx: LiveContext) -> dict[str, dict[str, Any]]:
        """This account's items by key (the first of each key)."""
        found: dict[str, dict[str, Any]] = {}
        for item in await ctx.client.paginate_v3(self.path):
            key = self.key_of(item)
            if key is not None:
                found.setdefault(key, dict(item))
        return found

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        items: dict[str, LiveItem] = {}
        for key, item in (await self.listing(ctx)).items():
            store_id = item[self.id_field]
            ctx.ids.remember(self.kind, key, store_id)
            items[self.kind.match_key(key)] = LiveItem(
                key, self.data_of(item), {self.id_field: store_id}, owned=True
            )
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        existing: dict[str, dict[str, Any]] = {}
        refused: LiveError | None = None
        if any(change.action == "create" for change in changes):
            try:
                existing = await self.listing(ctx)
            except LiveError as error:
                refused = error

        async def one(change: Change) -> ItemResult:
            try:
                if change.action == "create":
                    if refused is not None:
                        return failed(change, refused)
                    return await self._create(ctx, change, existing.get(change.key))
                if change.action == "update":
                    return await self._update(ctx, change)
                return await self._delete(ctx, change)
            except ConfigError as missing:
                return failed(change, f"{missing.message} ({missing.hint})")

        return await each(changes, one)

    async def _create(
        self, ctx: LiveContext, change: Change, present: Mapping[str, Any] | None
    ) -> ItemResult:
        body = self.payload(desired_of(change), change.key, read=self._reader(ctx, change))
        if present is not None:
            saved = await self._put(ctx, present, body)
        else:
            try:
                saved = (await ctx.client.post(self.path, body))["data"]
            except WriteOutcomeUnknownError:
                present = (await self.listing(ctx)).get(change.key)
                if present is None:  # it was not created after all: no duplicate possible
                    saved = (await ctx.client.post(self.path, body))["data"]
                else:
                    saved = await self._put(ctx, present, body)
        store_id = saved[self.id_field]
        ctx.ids.remember(self.kind, change.key, store_id)
        return applied(change, {self.id_field: store_id})

    async def _put(
        self, ctx: LiveContext, item: Mapping[str, Any], body: Mapping[str, Any]
    ) -> dict[str, Any]:
        answer: dict[str, Any] = (
            await ctx.client.put(f"{self.path}/{item[self.id_field]}", body)
        )["data"]
        return answer

    async def _update(self, ctx: LiveContext, change: Change) -> ItemResult:
        store_id = await self._id(ctx, change)
        body = self.payload(
            desired_of(change), change.key, changed_fields(change),
            read=self._reader(ctx, change),
        )
        await ctx.client.put(f"{self.path}/{store_id}", body)
        return applied(change, {self.id_field: store_id})

    async def _delete(self, ctx: LiveContext, change: Change) -> ItemResult:
        store_id = await self._id(ctx, change)
        with contextlib.suppress(NotFoundError):  # already gone: the end state holds
            await ctx.client.delete(f"{self.path}/{store_id}")
        ctx.ids.forget(self.kind, change.key)
        return applied(change, {self.id_field: store_id})

    async def _id(self, ctx: LiveContext, change: Change) -> Any:
        known = (change.live_ids or {}).get(self.id_field) or ctx.ids.id_of(
            self.kind, change.key
        )
        if known is not None:
            return known
        found = (await self.listing(ctx)).get(change.key)
        if found is None:
            raise NotFoundError(f"{self.kind.name} {change.key!r} is not in the store")
        return found[self.id_field]
