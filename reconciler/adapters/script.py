"""Storefront scripts: ``/v3/content/scripts`` (scripts.v3.yml), matched by ``name``.

BigCommerce shows an API account only the scripts *it* created (scripts.v3.yml; the
sandbox does the same): StagingPro's token sees exactly the scripts StagingPro created,
and never the ones of other apps or of the control panel.

* read: the script list at 250 a page (``ceil(N/250)`` requests); fields as the API
  returns them, minus the server's (``uuid``, dates, ``api_client_id``); the empty ``src``
  of a ``script_tag`` script, the empty ``html`` of a ``src`` one and an empty
  ``integrity_hashes`` list are left out (the model has "none", not "empty"). Names are
  not unique in the API: when two visible scripts share a name, the first listed is the
  item and the others are left out. ``ids`` = ``{"uuid": script uuid}``.
* write: the API has no batch endpoints, so each script is one request (sent
  concurrently, paced by the client). Creates first list the account's scripts once and
  update a script that already has the name instead of adding a second (a stale plan, or
  a create whose answer was lost: then the list is read again). Updates send the changed
  fields (with ``kind``, ``src`` and ``html`` together when ``kind`` changes, since the
  API clears the other one). Deleting a script already gone counts as deleted.
* ownership: ``owned`` is true for every script read, since the API only shows this
  account's own scripts; prune mode ``owned`` may therefore delete any of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.common import applied, changed_fields, desired_of, each, failed
from reconciler.errors import LiveError, NotFoundError, WriteOutcomeUnknownError
from reconciler.kinds.script import Script, ScriptKind
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change

PATH = "/v3/content/scripts"
FIELDS = tuple(Script.model_fields)


def script_data(script: Mapping[str, Any]) -> dict[str, Any]:
    """A script as the API returns it → model-shaped values."""
    data = {name: script[name] for name in FIELDS if name in script}
    if data.get("kind") == "script_tag" and not data.get("src"):
        data.pop("src", None)
    if data.get("kind") == "src" and not data.get("html"):
        data.pop("html", None)
    if not data.get("integrity_hashes"):
        data.pop("integrity_hashes", None)
    return data


def script_payload(values: Mapping[str, Any], only: set[str] | None = None) -> dict[str, Any]:
    """Model-shaped values → the API's body (``only``: just these fields)."""
    if only is not None and "kind" in only:
        only = only | {"src", "html"}
    return {
        name: values[name]
        for name in FIELDS
        if name in values and (only is None or name in only)
    }


async def list_scripts(client: LiveClient) -> dict[str, dict[str, Any]]:
    """This account's scripts by name (the first of each name)."""
    found: dict[str, dict[str, Any]] = {}
    for script in await client.paginate_v3(PATH):
        name = script.get("name")
        if isinstance(name, str) and name and name not in found:
            found[name] = dict(script)
    return found


class ScriptAdapter(Adapter):
    kind = ScriptKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        items: dict[str, LiveItem] = {}
        for name, script in (await list_scripts(ctx.client)).items():
            ctx.ids.remember(self.kind, name, script["uuid"])
            items[self.kind.match_key(name)] = LiveItem(
                name, script_data(script), {"uuid": script["uuid"]}, owned=True
            )
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        existing: dict[str, dict[str, Any]] = {}
        listing: LiveError | None = None
        if any(change.action == "create" for change in changes):
            try:
                existing = await list_scripts(ctx.client)
            except LiveError as error:
                listing = error

        async def one(change: Change) -> ItemResult:
            if change.action == "create":
                if listing is not None:
                    return failed(change, listing)
                return await self._create(ctx, change, existing.get(change.key))
            if change.action == "update":
                return await self._update(ctx, change)
            return await self._delete(ctx, change)

        return await each(changes, one)

    async def _create(
        self, ctx: LiveContext, change: Change, present: Mapping[str, Any] | None
    ) -> ItemResult:
        body = script_payload(desired_of(change))
        if present is not None:
            saved = (await ctx.client.put(f"{PATH}/{present['uuid']}", body))["data"]
        else:
            try:
                saved = (await ctx.client.post(PATH, body))["data"]
            except WriteOutcomeUnknownError:
                found = (await list_scripts(ctx.client)).get(change.key)
                if found is None:  # it was not created after all
                    saved = (await ctx.client.post(PATH, body))["data"]
                else:
                    saved = (await ctx.client.put(f"{PATH}/{found['uuid']}", body))["data"]
        ctx.ids.remember(self.kind, change.key, saved["uuid"])
        return applied(change, {"uuid": saved["uuid"]})

    async def _update(self, ctx: LiveContext, change: Change) -> ItemResult:
        uuid = await self._uuid(ctx, change)
        body = script_payload(desired_of(change), changed_fields(change))
        await ctx.client.put(f"{PATH}/{uuid}", body)
        if "name" in body:
            ctx.ids.remember(self.kind, str(body["name"]), uuid)
        return applied(change, {"uuid": uuid})

    async def _delete(self, ctx: LiveContext, change: Change) -> ItemResult:
        uuid = await self._uuid(ctx, change)
        with contextlib.suppress(NotFoundError):  # already gone: the end state holds
            await ctx.client.delete(f"{PATH}/{uuid}")
        ctx.ids.forget(self.kind, change.key)
        return applied(change, {"uuid": uuid})

    async def _uuid(self, ctx: LiveContext, change: Change) -> str:
        known = (change.live_ids or {}).get("uuid") or ctx.ids.id_of(self.kind, change.key)
        if known is not None:
            return str(known)
        found = (await list_scripts(ctx.client)).get(change.key)
        if found is None:
            raise NotFoundError(f"script {change.key!r} is not in the store")
        return str(found["uuid"])


adapter = ScriptAdapter()
