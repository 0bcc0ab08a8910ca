"""Webhooks: ``/v3/hooks`` (webhooks.v3.yml), matched by (scope, destination).

Hooks are scoped to the API account that created them (the spec's "client_id"): the
token sees only StagingPro's own hooks.

**Header values are secrets.** The YAML names an environment variable per header
(``X-Signature: {env: HOOK_SECRET}``); its value is read with
:func:`reconciler.secrets.read_secret` only when a hook is written, goes into the request
body and nowhere else (no ``data``, plan, result or message holds it; ``read_secret``
registers it for redaction). The store gives values back on read, so the adapter never
puts them in ``data``: a header's value is a *managed secret* and is compared by *which
variable* supplies it, never by content. To know that variable on a later run (on any
machine), every hook StagingPro writes with headers carries one more header,
:data:`SECRET_MAP_HEADER`, whose value maps header names to variable *names*
(``x-signature=HOOK_SECRET``) — names only, never a value. On read:

* a header listed there is ``{"env": <that variable>}``, so an unchanged declaration plans
  to no change and a header bound to another variable plans an update;
* a header not listed (set by hand or another tool) is ``{"env": "?"}``: it differs from
  any declaration, so the plan rewrites it with the declared variable's value;
* the map header itself is not reported.

Consequence: rotating a secret (same variable, new value) shows no change in a plan;
re-apply it by changing the hook (e.g. toggling ``is_active``) or by deleting the hook.

* read: the hook list at 250 a page (``ceil(N/250)`` requests). Server fields
  (``id``, ``client_id``, ``store_hash``, timestamps) are dropped. ``ids`` = ``{"id": hook id}``.
* write: one request per hook (no batch endpoints), concurrently. Creates list the hooks
  once first and update a hook with the same (scope, destination) instead of adding a
  second (a stale plan, or a lost answer: then the list is read again). A missing
  environment variable fails that hook, naming the variable. Deleting a hook already gone
  counts as deleted.
* ownership: ``owned`` is true for every hook read (only this account's hooks are visible).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.common import applied, changed_fields, desired_of, each, failed
from reconciler.errors import ConfigError, LiveError, NotFoundError, WriteOutcomeUnknownError
from reconciler.kinds.webhook import WebhookKind
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change
from reconciler.secrets import read_secret

PATH = "/v3/hooks"
SECRET_MAP_HEADER = "X-StagingPro-Secret-Env"
"""The header naming, per header, the environment variable its value came from."""
UNKNOWN_SOURCE = "?"
"""The ``env`` reported for a header value StagingPro did not write."""
FIELDS = ("scope", "destination", "is_active")


def hook_key(scope: str, destination: str) -> str:
    """The natural key, as :meth:`WebhookKind.key` writes it."""
    return f"{scope} {destination}"


def parse_secret_map(text: str) -> dict[str, str]:
    """``"x-a=A_ENV,x-b=B_ENV"`` → ``{"x-a": "A_ENV", "x-b": "B_ENV"}`` (names lower-cased)."""
    pairs = (part.partition("=") for part in text.split(",") if "=" in part)
    return {name.strip().lower(): env.strip() for name, _, env in pairs if name.strip()}


def secret_map(headers: Mapping[str, Any]) -> str:
    """The :data:`SECRET_MAP_HEADER` value for declared ``headers`` (``{name: {env}}``)."""
    return ",".join(f"{name.lower()}={value['env']}" for name, value in sorted(headers.items()))


def hook_data(hook: Mapping[str, Any]) -> dict[str, Any]:
    """A hook as the API returns it → model-shaped values (header values never kept)."""
    data = {name: hook[name] for name in FIELDS if name in hook}
    headers = hook.get("headers")
    if isinstance(headers, Mapping):
        sources: dict[str, str] = {}
        for name, value in headers.items():
            if name.lower() == SECRET_MAP_HEADER.lower() and isinstance(value, str):
                sources = parse_secret_map(value)
        data["headers"] = {
            name: {"env": sources.get(name.lower(), UNKNOWN_SOURCE)}
            for name in headers
            if name.lower() != SECRET_MAP_HEADER.lower()
        }
    return data


def hook_payload(
    values: Mapping[str, Any], key: str, only: set[str] | None = None
) -> dict[str, Any]:
    """Model-shaped values → the API's body, header values read from the environment.

    Raises :class:`ConfigError` naming a variable that is not set.
    """
    body = {
        name: values[name] for name in FIELDS if name in values and (only is None or name in only)
    }
    headers = values.get("headers")
    if "headers" in values and (only is None or "headers" in only):
        if not headers:
            body["headers"] = {}
        else:
            body["headers"] = {
                name: read_secret(value["env"], purpose=f"header {name} of webhook {key}")
                for name, value in headers.items()
            }
            body["headers"][SECRET_MAP_HEADER] = secret_map(headers)
    return body


async def list_hooks(client: LiveClient) -> dict[str, dict[str, Any]]:
    """This account's hooks by natural key (the first of each key)."""
    found: dict[str, dict[str, Any]] = {}
    for hook in await client.paginate_v3(PATH):
        scope, destination = hook.get("scope"), hook.get("destination")
        if isinstance(scope, str) and isinstance(destination, str):
            found.setdefault(hook_key(scope, destination), dict(hook))
    return found


class WebhookAdapter(Adapter):
    kind = WebhookKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        items: dict[str, LiveItem] = {}
        for key, hook in (await list_hooks(ctx.client)).items():
            ctx.ids.remember(self.kind, key, hook["id"])
            items[self.kind.match_key(key)] = LiveItem(
                key, hook_data(hook), {"id": hook["id"]}, owned=True
            )
        return items

    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        existing: dict[str, dict[str, Any]] = {}
        listing: LiveError | None = None
        if any(change.action == "create" for change in changes):
            try:
                existing = await list_hooks(ctx.client)
            except LiveError as error:
                listing = error

        async def one(change: Change) -> ItemResult:
            try:
                if change.action == "create":
                    if listing is not None:
                        return failed(change, listing)
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
        body = hook_payload(desired_of(change), change.key)
        if present is not None:
            saved = (await ctx.client.put(f"{PATH}/{present['id']}", body))["data"]
        else:
            try:
                saved = (await ctx.client.post(PATH, body))["data"]
            except WriteOutcomeUnknownError:
                found = (await list_hooks(ctx.client)).get(change.key)
                if found is None:  # it was not created after all
                    saved = (await ctx.client.post(PATH, body))["data"]
                else:
                    saved = (await ctx.client.put(f"{PATH}/{found['id']}", body))["data"]
        ctx.ids.remember(self.kind, change.key, saved["id"])
        return applied(change, {"id": saved["id"]})

    async def _update(self, ctx: LiveContext, change: Change) -> ItemResult:
        hook_id = await self._id(ctx, change)
        body = hook_payload(desired_of(change), change.key, changed_fields(change))
        await ctx.client.put(f"{PATH}/{hook_id}", body)
        return applied(change, {"id": hook_id})

    async def _delete(self, ctx: LiveContext, change: Change) -> ItemResult:
        hook_id = await self._id(ctx, change)
        with contextlib.suppress(NotFoundError):  # already gone: the end state holds
            await ctx.client.delete(f"{PATH}/{hook_id}")
        ctx.ids.forget(self.kind, change.key)
        return applied(change, {"id": hook_id})

    async def _id(self, ctx: LiveContext, change: Change) -> int:
        known = (change.live_ids or {}).get("id") or ctx.ids.id_of(self.kind, change.key)
        if known is not None:
            return int(known)
        found = (await list_hooks(ctx.client)).get(change.key)
        if found is None:
            raise NotFoundError(f"webhook {change.key!r} is not in the store")
        return int(found["id"])


adapter = WebhookAdapter()
