"""Stencil themes: upload, activate, roll back (themes.v3.yml, channels.v3.yml; DIGEST §5).

A declared theme is a folder (``themes/<name>/`` with ``theme.yaml``) to be live on a
channel with a chosen variation. Which digest a live theme was uploaded from is carried in
its name (:mod:`reconciler.adapters.theme_bundle`: ``"Ridgeline [1.3.0 sp-<digest>]"``).

* read: ``GET /v3/themes`` (every theme and its variations, not paginated),
  ``GET /v3/channels`` (storefront channels) and ``GET /v3/channels/{id}/active-theme``
  per channel; plus, for a declared theme that is live, its live configuration
  (``GET /v3/themes/{uuid}/configurations?uuid:in=``) so declared setting overrides compare
  with what the storefront uses (a merchant's edit in the theme editor shows as drift).
  The live items are the themes *live on a channel*, one per theme name (the marker
  stripped; a theme live on several channels counts on the lowest): a declared theme is
  one that should be live, so an uploaded but inactive theme is no item and plans as a
  create (which re-activates it without uploading). ``data``: ``name``, ``channel_id``,
  ``variation``, ``version`` (from the marker; the API returns no versions), ``settings``
  (when declared) and, beside the model's fields, ``content_hash``: the digest the theme
  was uploaded from (:func:`~reconciler.adapters.theme_bundle.theme_digest` of the declared
  folder and overrides gives the declared side's). ``ids``: ``uuid``, ``variations``
  (name → uuid), ``channel_id``, ``variation_uuid``. ``owned``: the theme was uploaded by
  StagingPro (it carries the marker).
* write (create or update = deploy): the folder is found beside the declaring
  ``theme.yaml`` (``Change.source``, relative to ``ctx.state_root``) or in its
  ``directory``. Settings may name secrets (``{env: NAME}``): the bundle holds their
  values, the digest only their names, so a new value is rolled out by naming a new
  variable or a new version (``ThemeKind.secrets_by_declaration``).
  If a theme with the same name, version and digest is in the store it is
  only re-activated; otherwise the bundle is uploaded (``POST /v3/themes``, multipart) and
  the job polled with bounded exponential backoff (:data:`POLL_DELAYS`, at most
  :data:`POLL_BUDGET` seconds) until ``COMPLETED`` or ``FAILED`` (the TR-xxx errors become
  the item's message). At the 20-theme limit the oldest theme StagingPro uploaded that is
  neither live on any channel nor the one being replaced is deleted first — never any
  other theme. Then ``POST /v3/themes/actions/activate`` with the declared variation and
  ``which: original`` (the uploaded settings). The result's ``ids`` keep the theme that was
  live before (``previous``), which is what :func:`reactivate` takes to roll back.
* delete: always refused with a clear message. A live item is a theme live on a channel,
  and StagingPro never deletes a live or previously live theme (the rollback target); the
  only themes it ever deletes are its own spare uploads at the 20-theme limit.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reconciler import repo_files
from reconciler.adapters.base import Adapter, ItemResult, LiveContext, LiveItem
from reconciler.adapters.common import applied, desired_of, failed
from reconciler.adapters.theme_bundle import (
    build_bundle,
    marked_name,
    parse_marked_name,
    read_config,
    theme_digest,
)
from reconciler.errors import ConfigError, LiveError, NotFoundError, UnsafeFileError
from reconciler.kinds.secret_refs import resolve
from reconciler.kinds.theme import ThemeKind
from reconciler.live.client import LiveClient
from reconciler.plan.model import Change
from reconciler.secrets import allowed_reader

THEMES = "/v3/themes"
DEFAULT_CHANNEL = 1
MAX_CUSTOM_THEMES = 20
POLL_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
"""Waits between job polls; the last repeats until :data:`POLL_BUDGET` is spent."""
POLL_BUDGET = 600.0
CONTENT_HASH = "content_hash"
"""The data field (beside the model's) holding the digest a live theme was uploaded from."""


class DeployError(Exception):
    """A deploy that cannot go on; the message says why and what to do."""


# -- reading -------------------------------------------------------------------------------
def base_name(theme: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """``(name, version, digest)`` of a live theme (version and digest only when marked)."""
    name = str(theme.get("name", ""))
    parsed = parse_marked_name(name)
    return parsed if parsed is not None else (name, None, None)


async def storefront_channels(client: LiveClient) -> list[int]:
    """The ids of the store's storefront channels (the ones that have a theme)."""
    body = await client.get("/v3/channels", {"type:in": "storefront"})
    ids = [int(c["id"]) for c in body.get("data", []) if c.get("status") != "deleted"]
    return sorted(ids) or [DEFAULT_CHANNEL]


async def active_themes(client: LiveClient, channels: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``{channel id: active-theme data}`` (``active_theme_uuid``, ``…_version_uuid``, …)."""
    found: dict[int, dict[str, Any]] = {}
    for channel in channels:
        try:
            body = await client.get(f"/v3/channels/{channel}/active-theme")
        except NotFoundError:  # a channel without a theme
            continue
        found[channel] = dict(body.get("data") or {})
    return found


async def list_themes(client: LiveClient) -> list[dict[str, Any]]:
    body = await client.get(THEMES)
    return [dict(t) for t in body.get("data", [])]


class ThemeAdapter(Adapter):
    kind = ThemeKind()

    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        themes = {str(t["uuid"]): t for t in await list_themes(ctx.client)}
        live = await active_themes(ctx.client, await storefront_channels(ctx.client))
        declared = ctx.declared_keys.get(self.kind.name, frozenset())
        items: dict[str, LiveItem] = {}
        for channel in sorted(live):  # a theme live on several channels: the lowest one
            active = live[channel]
            theme = themes.get(str(active.get("active_theme_uuid")))
            if theme is None:
                continue
            match = self.kind.match_key(base_name(theme)[0])
            if match not in items:
                items[match] = await self._item(
                    ctx, theme, channel, active, with_settings=match in declared
                )
        return items

    async def _item(
        self,
        ctx: LiveContext,
        theme: Mapping[str, Any],
        channel: int,
        active: Mapping[str, Any],
        *,
        with_settings: bool,
    ) -> LiveItem:
        name, version, digest = base_name(theme)
        variations = {
            str(v.get("name")): str(v.get("uuid")) for v in theme.get("variations") or []
        }
        variation_uuid = active.get("active_theme_version_uuid")
        data: dict[str, Any] = {"name": name, "channel_id": channel}
        if version is not None:
            data["version"] = version
            data[CONTENT_HASH] = digest
        by_uuid = {uuid: v_name for v_name, uuid in variations.items()}
        if variation_uuid in by_uuid:
            data["variation"] = by_uuid[variation_uuid]
        configuration = active.get("active_theme_configuration_uuid")
        if with_settings and configuration:
            found = await ctx.client.get(
                f"{THEMES}/{theme['uuid']}/configurations", {"uuid:in": configuration}
            )
            for config in found.get("data", []):
                if isinstance(config.get("settings"), dict):
                    data["settings"] = config["settings"]
        ids = {
            "uuid": theme["uuid"],
            "variations": variations,
            "channel_id": channel,
            "variation_uuid": variation_uuid,
        }
        ctx.ids.remember(self.kind, name, theme["uuid"])
        return LiveItem(name, data, ids, owned=version is not None)

    # -- writing -----------------------------------------------------------------------
    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        # Sequential: deploys share the 20-theme budget and each channel's activation.
        results: list[ItemResult] = []
        for change in changes:
            try:
                if change.action == "delete":
                    results.append(await self._delete(ctx, change))
                else:
                    results.append(await self._deploy(ctx, change))
            except LiveError as error:
                results.append(failed(change, error))
            except UnsafeFileError as unsafe:
                results.append(failed(change, unsafe.reason))
            except (DeployError, ConfigError) as problem:
                results.append(failed(change, str(problem)))
            except OSError as unreadable:
                results.append(failed(change, f"cannot read the theme's files: {unreadable}"))
        return results

    async def _deploy(self, ctx: LiveContext, change: Change) -> ItemResult:
        desired = desired_of(change)
        theme_dir = theme_directory(ctx, change)
        config = read_config(theme_dir)
        name = str(desired.get("name", change.key))
        version = str(config.get("version", ""))
        if desired.get("version") is not None and desired["version"] != version:
            raise DeployError(
                f"theme.yaml says version {desired['version']} but {theme_dir}/config.json"
                f" says {version!r}; make them agree"
            )
        settings = desired.get("settings")
        digest = theme_digest(theme_dir, settings)
        upload_name = marked_name(name, version, digest)
        channel = int(desired.get("channel_id") or DEFAULT_CHANNEL)
        previous = (await active_themes(ctx.client, [channel])).get(channel, {})
        themes = await list_themes(ctx.client)
        theme = next((t for t in themes if t.get("name") == upload_name), None)
        uploaded = theme is None
        if theme is None:
            # The digest (and so the upload's name) covers the declared references, never
            # the secrets' values: only the bundle holds those.
            read = allowed_reader(ctx.environment.secrets, purpose=f"theme {name}")
            bundle = build_bundle(theme_dir, upload_name, resolve(settings, read))
            theme_uuid = await self._upload(ctx, bundle, themes, previous)
            theme = (await ctx.client.get(f"{THEMES}/{theme_uuid}"))["data"]
        variation = _variation(theme, desired.get("variation"), config)
        await activate(ctx.client, str(variation["uuid"]), channel_id=channel, which="original")
        ctx.ids.remember(self.kind, name, theme["uuid"])
        ids = {
            "uuid": theme["uuid"],
            "variation_uuid": variation["uuid"],
            "channel_id": channel,
            "previous": {
                "uuid": previous.get("active_theme_uuid"),
                "variation_uuid": previous.get("active_theme_version_uuid"),
            },
        }
        what = "uploaded and activated" if uploaded else "activated (already uploaded)"
        return applied(change, ids, f"{what} {name} {version} variation {variation['name']}")

    async def _upload(
        self,
        ctx: LiveContext,
        bundle: bytes,
        themes: list[dict[str, Any]],
        previous: Mapping[str, Any],
    ) -> str:
        custom = [t for t in themes if t.get("is_private")]
        if len(custom) >= MAX_CUSTOM_THEMES:
            await self._make_room(ctx, custom, previous)
        files = {"file": ("theme.zip", bundle, "application/zip")}
        try:
            answer = await ctx.client.send("POST", THEMES, files=files)
        except LiveError as error:
            if error.detail is None or error.detail.status != 409:
                raise
            # The store counts differently than its list showed: free one slot, try once more.
            await self._make_room(ctx, [t for t in await list_themes(ctx.client)
                                        if t.get("is_private")], previous)
            answer = await ctx.client.send("POST", THEMES, files=files)
        return await wait_for_job(ctx.client, str(answer.body["job_id"]))

    async def _make_room(
        self, ctx: LiveContext, custom: list[dict[str, Any]], previous: Mapping[str, Any]
    ) -> None:
        """Delete the oldest theme StagingPro uploaded that is not live anywhere and not
        the one about to be replaced (the previously active one, for rollback)."""
        live = await active_themes(ctx.client, await storefront_channels(ctx.client))
        keep = {previous.get("active_theme_uuid")} | {
            active.get("active_theme_uuid") for active in live.values()
        }
        candidates = [
            t for t in custom
            if parse_marked_name(str(t.get("name", ""))) is not None
            and not t.get("is_active") and t.get("uuid") not in keep
        ]
        if not candidates:
            raise DeployError(
                f"the store holds {MAX_CUSTOM_THEMES} custom themes and none of them is one"
                " StagingPro uploaded and may remove (not live, not the previous theme);"
                " delete an unused theme in the control panel and apply again"
            )
        oldest = min(candidates, key=lambda t: str(t.get("updated_at", "")))
        await ctx.client.delete(f"{THEMES}/{oldest['uuid']}")

    async def _delete(self, ctx: LiveContext, change: Change) -> ItemResult:
        # A live item is a theme live on a channel; the one live before it is the rollback
        # target. Neither may be deleted, so a theme delete is always refused here.
        raise DeployError(
            f"theme {change.key!r} is live on channel"
            f" {(change.live_ids or {}).get('channel_id', DEFAULT_CHANNEL)}: StagingPro never"
            " deletes a live or previously live theme; declare the theme to use instead,"
            " and remove old themes in the control panel if needed"
        )


def _variation(
    theme: Mapping[str, Any], wanted: Any, config: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The variation to activate: the declared one (by name, or by config.json id), else
    the first."""
    variations: list[Mapping[str, Any]] = [
        v for v in theme.get("variations") or [] if isinstance(v, Mapping)
    ]
    if not variations:
        raise DeployError(f"theme {theme.get('name')!r} has no variations")
    if wanted is None:
        return variations[0]
    external = {
        v.get("name"): v.get("id") for v in config.get("variations") or [] if isinstance(v, dict)
    }.get(wanted)
    for variation in variations:
        if variation.get("name") == wanted or (
            external is not None and variation.get("external_id") == external
        ):
            return variation
    names = ", ".join(str(v.get("name")) for v in variations)
    raise DeployError(f"theme has no variation {wanted!r} (it has {names})")


def theme_directory(ctx: LiveContext, change: Change) -> Path:
    """The declared theme's folder: beside its ``theme.yaml`` (``change.source``, relative
    to the state root) or in its ``directory`` (relative to ``theme.yaml``), which must
    stay inside the state root."""
    if ctx.state_root is None or not change.source:
        raise DeployError(
            f"theme {change.key!r}: the plan does not say where its theme.yaml is"
            " (no source or no state root); plan and apply from the repository"
        )
    # ``source`` is ``file:line`` or ``file:line:column``; the file is relative to the root.
    declaring = re.sub(r"(:\d+){1,2}$", "", change.source)
    relative = posixpath.join(
        posixpath.dirname(declaring), str(desired_of(change).get("directory") or ".")
    )
    # Raises UnsafeFileError when the folder leads outside the state directory.
    folder = repo_files.resolve(ctx.state_root, relative)
    if not folder.is_dir():
        raise DeployError(f"theme {change.key!r}: folder {folder} does not exist")
    return folder


async def wait_for_job(client: LiveClient, job_id: str) -> str:
    """Poll an upload job until it ends; the new theme's uuid, or :class:`DeployError`
    with BigCommerce's TR-xxx errors. Bounded: :data:`POLL_DELAYS`, :data:`POLL_BUDGET`."""
    waited, attempt = 0.0, 0
    while True:
        job = (await client.get(f"{THEMES}/jobs/{job_id}"))["data"]
        status = job.get("status")
        if status == "COMPLETED":
            return str(job["result"]["theme_id"])
        if status == "FAILED":
            errors = "; ".join(
                f"{e.get('error', '')}: {e.get('message', '')}".strip(": ")
                for e in job.get("errors") or []
            )
            raise DeployError(f"BigCommerce refused the theme upload: {errors or 'no reason'}")
        delay = POLL_DELAYS[min(attempt, len(POLL_DELAYS) - 1)]
        if waited + delay > POLL_BUDGET:
            raise DeployError(
                f"the upload job {job_id} is still {status} after {waited:.0f}s;"
                " apply again later (the upload is found by its name, not repeated)"
            )
        await client.clock.sleep(delay)
        waited += delay
        attempt += 1


async def activate(
    client: LiveClient, variation_uuid: str, *, channel_id: int = DEFAULT_CHANNEL,
    which: str = "original",
) -> None:
    """Make a variation live on a channel (``POST /v3/themes/actions/activate``)."""
    await client.post(
        f"{THEMES}/actions/activate",
        {"variation_id": variation_uuid, "which": which},
        params={"channel_id": channel_id},
    )


async def reactivate(
    client: LiveClient, theme_uuid: str, variation_uuid: str, *,
    channel_id: int = DEFAULT_CHANNEL,
) -> None:
    """Roll back: make an earlier theme live again without uploading anything.

    Takes the ``previous`` ids a deploy recorded. ``which: last_activated`` restores that
    variation's configuration as it was when it was last live (its customisations), not
    the uploaded original. Raises :class:`NotFoundError` when the theme was deleted since.
    """
    themes = {t["uuid"]: t for t in await list_themes(client)}
    theme = themes.get(theme_uuid)
    if theme is None or variation_uuid not in {
        v.get("uuid") for v in theme.get("variations") or []
    }:
        raise NotFoundError(
            f"theme {theme_uuid} variation {variation_uuid} is no longer in the store",
            hint="roll back to a theme that still exists, or deploy it again from git",
        )
    await activate(client, variation_uuid, channel_id=channel_id, which="last_activated")


adapter = ThemeAdapter()
