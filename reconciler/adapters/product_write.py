"""Writing products: creates, updates and deletes in the largest batches the API takes.

* **create**: one ``POST /catalog/products`` per product with its variants, URL images,
  custom fields and bulk pricing rules embedded; then each declared option is given its
  type, order and values (``PUT .../options/{id}``: the POST made it from the variants'
  option values, as ``radio_buttons``; an option no variant uses is POSTed), modifiers are
  POSTed, repository image files uploaded as ``multipart/form-data`` ``image_file``
  (variant images to ``.../variants/{id}/image``), and StagingPro's metafields (ownership
  marker, image sources) created for all new products in ``POST
  /catalog/products/metafields`` batches. A create whose answer was lost, or refused
  with 409 because the SKU exists, looks the product up by SKU and converges it instead
  (updating what differs, as the planner's differ finds it).
* **update**: the changed product fields of all products in ``PUT /catalog/products``
  batches of 10; added and changed variants of all products in ``PUT /catalog/variants``
  batches of 50; options, modifiers, custom fields, bulk pricing rules and images through
  their endpoints (POST an added entry, PUT a changed one, DELETE a removed one: entries
  of declared keyed lists the declaration no longer has); an image whose source (file
  content or URL) changed is replaced, and so is a variant whose option values changed
  (the API does not change them in place). Refused batches are bisected
  (:mod:`.batching`).
* **delete**: ``DELETE /catalog/products?id:in=`` with 250 ids a request.

Image files: ``Change.desired`` holds each file image's path relative to the state root
with its ``sha256`` (variants: ``image`` and ``image_sha256``), as the planner resolves
them; a path that is not found there is tried relative to the declaring
YAML file (``Change.source``). Files are read from ``ctx.state_root``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import posixpath
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from reconciler import repo_files
from reconciler.adapters.base import ItemResult, LiveContext
from reconciler.adapters.batching import send_batches, status_of
from reconciler.adapters.common import OWNER_KEY, applied, failed, own_metafield
from reconciler.adapters.product_map import (
    IMAGES_KEY,
    PRODUCT_KIND,
    PROTECT_KEY,
    ImageRecords,
    Unresolved,
    bulk_rule_payload,
    modifier_value_payload,
    option_value_payload,
    product_ids,
    product_payload,
    variant_fields,
)
from reconciler.adapters.product_read import (
    INCLUDE,
    image_records,
    live_data,
    metafield_ids,
    own_metafields,
    read_choices,
)
from reconciler.errors import (
    ApiDetail,
    LiveError,
    NotFoundError,
    UnsafeFileError,
    WriteOutcomeUnknownError,
)
from reconciler.kinds.fields import is_url
from reconciler.live.client import LiveResponse
from reconciler.plan.canonical import canonical_live, canonicalize, rules_of
from reconciler.plan.differ import as_written, diff
from reconciler.plan.lifecycle import filter_of
from reconciler.plan.model import ABSENT, Change, FieldChange

PATH = "/v3/catalog/products"
VARIANTS = "/v3/catalog/variants"
METAFIELDS = "/v3/catalog/products/metafields"
PRODUCT_BATCH = 10  # PUT /catalog/products: "maximum items allowed in the array is 10"
VARIANT_BATCH = 50  # PUT /catalog/variants: 50 (product-variants_catalog.v3.yml)
DELETE_BATCH = 250  # DELETE /catalog/products: id:in of at most 250
METAFIELD_BATCH = 50
"""Metafields per batch request: the spec states no cap; 50 keeps bodies small."""
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
CHOICE_KEYS = ("options", "modifiers")
KEYED = ("custom_fields", "bulk_pricing_rules")
IMAGE_SOURCE = frozenset({"file", "sha256", "url"})


@dataclass
class Work:
    """One change being applied: the store ids it works with, and what went wrong."""

    change: Change
    desired: dict[str, Any]
    ids: dict[str, Any] = field(default_factory=dict)
    records: ImageRecords = field(default_factory=ImageRecords)
    records_changed: bool = False
    metafields: dict[str, int] = field(default_factory=dict)
    owned: bool = False
    protect: bool | None = None
    """What StagingPro's ``protect`` metafield should become: ``True`` recorded, ``False``
    removed, ``None`` left as it is (the declaration did not change ``protect``)."""
    error: tuple[str, ApiDetail | None] | None = None

    @property
    def product_id(self) -> int:
        return int(self.ids["id"])

    def fail(self, problem: LiveError | str, what: str = "") -> None:
        """Keep the first failure (a later one is usually a consequence)."""
        if self.error is not None:
            return
        if isinstance(problem, LiveError):
            message = f"{what}: {problem.message}" if what else problem.message
            self.error = (message, problem.detail)
        else:
            self.error = (f"{what}: {problem}" if what else problem, None)

    async def attempt(self, what: str, call: Awaitable[Any]) -> Any:
        """Await ``call``; a :class:`LiveError` is recorded (``what`` names the step)."""
        try:
            return await call
        except LiveError as error:
            self.fail(error, what)
        except Unresolved as error:
            self.fail(str(error), what)
        return None

    def result(self) -> ItemResult:
        if self.error is not None:
            return failed(self.change, self.error[0], self.error[1])
        return applied(self.change, self.ids)


# --- entry helpers ---------------------------------------------------------------------------
def _key(entry: Mapping[str, Any], list_name: str) -> str:
    if list_name == "variants":
        return str(entry["sku"]).casefold()
    if list_name in CHOICE_KEYS:
        return str(entry["display_name"]).casefold()
    if list_name == "custom_fields":
        return str(entry["name"])
    if list_name == "bulk_pricing_rules":
        return str(entry["quantity_min"])
    return str(entry.get("label", "")).casefold()


def _entries(desired: Mapping[str, Any], list_name: str) -> dict[str, Mapping[str, Any]]:
    return {_key(e, list_name): e for e in desired.get(list_name) or []}


def _match(path_key: Any, list_name: str) -> str:
    text = str(path_key)
    return text if list_name in KEYED else text.casefold()


@dataclass
class ListEdits:
    """How one keyed list of one product changes: keys added, removed, and changed (with
    the changed field names, and removed sub-entries ``values`` by label)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    removed_values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def list_edits(fields: Sequence[FieldChange], list_name: str) -> ListEdits:
    edits = ListEdits()
    for change in fields:
        path = change.path
        if not path or path[0] != list_name:
            continue
        if len(path) == 1:  # the whole list, where one side has none
            _whole_list(edits, change, list_name)
            continue
        key = _match(path[1], list_name)
        if len(path) == 2:
            if change.before is ABSENT and change.after is not ABSENT:
                edits.added.append(key)
            elif change.after is ABSENT:
                edits.removed.append(key)
            else:
                edits.changed[key].add("*")
        elif len(path) == 4 and path[2] == "values" and change.after is ABSENT:
            edits.removed_values[key].append(str(path[3]).casefold())
            edits.changed[key].add("values")
        else:
            edits.changed[key].add(str(path[2]))
    return edits


def _whole_list(edits: ListEdits, change: FieldChange, list_name: str) -> None:
    before = {_key(e, list_name) for e in _as_list(change.before)}
    after = {_key(e, list_name) for e in _as_list(change.after)}
    edits.added += sorted(after - before)
    edits.removed += sorted(before - after)
    for key in sorted(before & after):
        edits.changed[key].add("*")


def _as_list(value: Any) -> list[Mapping[str, Any]]:
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def image_edits(fields: Sequence[FieldChange]) -> tuple[list[int], list[int], dict[int, set[str]]]:
    """Positions of images added, removed, and changed (with the changed field names)."""
    added: list[int] = []
    removed: list[int] = []
    changed: dict[int, set[str]] = defaultdict(set)
    for change in fields:
        path = change.path
        if path == ("images",):  # the whole list, where one side has none
            before, after = len(_as_list(change.before)), len(_as_list(change.after))
            added += range(before, after)
            removed += range(after, before)
            for position in range(min(before, after)):
                changed[position].update(IMAGE_SOURCE)
            continue
        if len(path) < 2 or path[0] != "images" or not isinstance(path[1], int):
            continue
        if len(path) == 2:
            if change.before is ABSENT:
                added.append(path[1])
            elif change.after is ABSENT:
                removed.append(path[1])
            else:
                changed[path[1]].update(IMAGE_SOURCE)
        else:
            changed[path[1]].add(str(path[2]))
    return added, removed, changed


def sort_orders(desired: Mapping[str, Any]) -> list[int]:
    """The sort order each declared image is written with: its own, else one that keeps
    the declared order — above the previous image's, below the next declared one, its
    position when that fits — so the store's order (sort order, then creation) is the
    declared order even after images are added or replaced. (A sort order the YAML does
    not declare is not managed, so writing it changes no plan.) Images that must tie
    (``sort_order: 1`` twice, or no integer between two declared ones) keep their
    creation order, which a replacement changes."""
    images = list(desired.get("images") or [])
    given = [i.get("sort_order") if isinstance(i.get("sort_order"), int) else None
             for i in images]
    orders: list[int] = []
    for position, own in enumerate(given):
        if own is not None:
            orders.append(own)
            continue
        value = position if not orders else max(position, orders[-1] + 1)
        ahead = next(((n, g) for n, g in enumerate(given[position + 1:], start=1)
                      if g is not None), None)
        if ahead is not None:  # leave room for the undeclared images before it
            value = min(value, ahead[1] - ahead[0])
        orders.append(max(value, orders[-1]) if orders else value)
    return orders


def _split_images(
    desired: Mapping[str, Any],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The declared images a product POST can embed (the URL images before the first
    repository file), and the rest, created after it in declared order, so the store's
    order (sort order, then creation) follows the declaration."""
    images = list(desired.get("images") or [])
    first_file = next((i for i, image in enumerate(images) if not image.get("url")), len(images))
    return images[:first_file], images[first_file:]


def _made_as_declared(
    declared: Mapping[str, Any], made: Mapping[str, Any] | None, ctx: LiveContext
) -> bool:
    """Whether the option a product POST made from its variants is already as declared
    (then it needs no PUT): same type and sort order, same values in the same order with
    the same fields."""
    if made is None:
        return False
    if made.get("type") != declared.get("type"):
        return False
    if "sort_order" in declared and made.get("sort_order") != declared["sort_order"]:
        return False
    values = list(declared.get("values") or [])
    got = list(made.get("option_values") or [])
    if len(values) != len(got):
        return False
    for value, live in zip(values, got, strict=True):
        try:
            wanted = option_value_payload(value, ctx.ids)
        except Unresolved:
            return False
        if any(live.get(k) != v for k, v in wanted.items()):
            return False
    return True


def _touches_images(change: FieldChange) -> bool:
    """Whether a field change adds, removes or changes a product or variant image."""
    path = change.path
    if not path or path[0] not in ("images", "variants"):
        return False
    if path[0] == "images":
        return True
    if len(path) == 2:
        return isinstance(change.after, Mapping) and bool(change.after.get("image"))
    return len(path) >= 3 and path[2] in ("image", "image_sha256")


# --- files -----------------------------------------------------------------------------------
def image_file(ctx: LiveContext, change: Change, path: str, sha256: str | None
               ) -> tuple[tuple[str, bytes, str], str]:
    """The multipart part of a repository image file and its sha256."""
    if ctx.state_root is None:
        raise Unresolved(f"image file {path!r}: no state root to read repository files from")
    candidates = [path]
    if change.source:
        declaring = change.source.rsplit(":", 1)[0]
        candidates.append(posixpath.join(posixpath.dirname(declaring), path))
    refused = ""
    for candidate in candidates:
        # Only regular files inside the state root are read, symlinks resolved.
        try:
            data = repo_files.read_bytes(ctx.state_root, candidate)
        except UnsafeFileError as unsafe:
            refused = refused or unsafe.reason
            continue
        except OSError:
            continue
        digest = hashlib.sha256(data).hexdigest()
        file = PurePosixPath(candidate)
        media = MEDIA_TYPES.get(file.suffix.lower(), "application/octet-stream")
        return (file.name, data, media), sha256 or digest
    if refused:
        raise Unresolved(f"image file {path!r}: {refused}")
    raise Unresolved(f"image file {path!r} is not in the repository (under {ctx.state_root})")


# --- the writer -----------------------------------------------------------------------------
class ProductWriter:
    """Applies one batch of product changes of one action (see the module docstring)."""

    def __init__(self, ctx: LiveContext) -> None:
        self.ctx = ctx
        self.client = ctx.client

    # creates ------------------------------------------------------------------------------
    async def create(self, changes: Sequence[Change]) -> list[ItemResult]:
        works = [Work(c, dict(c.desired or {})) for c in changes]
        for work in works:
            if work.desired.get("protect") is True:
                work.protect = True
        await asyncio.gather(*(self._create_one(w) for w in works))
        await self._save_metafields([w for w in works if w.error is None and "id" in w.ids])
        return [w.result() for w in works]

    async def _create_one(self, work: Work) -> None:
        desired = work.desired
        try:
            body = self._create_body(work)
        except Unresolved as error:
            work.fail(str(error))
            return
        try:
            created = (await self.client.post(PATH, body))["data"]
        except LiveError as error:
            lost = isinstance(error, WriteOutcomeUnknownError)
            if not lost and status_of(error) != 409:
                work.fail(error)
                return
            existing = await work.attempt("looking the product up by SKU", self._find(desired))
            if work.error is not None:
                return
            if existing is not None:
                await self._adopt(work, existing)
                return
            if not lost:
                work.fail(error)  # a 409 about something else (name, custom URL)
                return
            created = await work.attempt("create", self.client.post(PATH, body))
            if created is None:
                return
            created = created["data"]
        product_id = int(created["id"])
        self.ctx.ids.remember(PRODUCT_KIND, str(desired["sku"]), product_id)
        work.ids = product_ids(created, options=None, modifiers=None)
        work.owned = work.records_changed = True
        work.records = ImageRecords()
        self._record_url_images(work, created.get("images") or [])
        await self._after_create(work, created)

    def _create_body(self, work: Work) -> dict[str, Any]:
        desired = work.desired
        body = product_payload(desired, self.ctx.ids)
        variants = []
        for variant in desired.get("variants") or []:
            entry = {
                "sku": variant["sku"],
                "option_values": [
                    {"option_display_name": name, "label": label}
                    for name, label in variant["option_values"].items()
                ],
                **variant_fields(variant),
            }
            if isinstance(variant.get("image"), str) and is_url(variant["image"]):
                entry["image_url"] = variant["image"]
            variants.append(entry)
        if variants:
            body["variants"] = variants
        embedded, _ = _split_images(desired)
        if embedded:
            orders = sort_orders(desired)
            body["images"] = [self._image_fields(image, orders[n]) | {"image_url": image["url"]}
                              for n, image in enumerate(embedded)]
        if desired.get("custom_fields"):
            body["custom_fields"] = [
                {"name": f["name"], "value": f["value"]} for f in desired["custom_fields"]
            ]
        if desired.get("bulk_pricing_rules"):
            body["bulk_pricing_rules"] = [bulk_rule_payload(r)
                                          for r in desired["bulk_pricing_rules"]]
        return body

    @staticmethod
    def _image_fields(image: Mapping[str, Any], sort_order: int | None = None) -> dict[str, Any]:
        """An image's own fields; ``sort_order`` is sent when the image declares none
        (see :func:`sort_orders`)."""
        fields = {k: image[k] for k in ("description", "sort_order", "is_thumbnail")
                  if k in image}
        if sort_order is not None:
            fields.setdefault("sort_order", sort_order)
        return fields

    def _record_url_images(self, work: Work, created: list[Mapping[str, Any]]) -> None:
        """Match the images the POST made from URLs to the declared ones (the answer is
        ordered by sort order, not as sent) and record their URLs."""
        declared = _split_images(work.desired)[0]
        remaining = list(created)
        orders = sort_orders(work.desired)
        for position, image in enumerate(declared):
            wanted = self._image_fields(image, orders[position])
            match = next((c for c in remaining
                          if all(c.get(k) == v for k, v in wanted.items()
                                 if k != "is_thumbnail")), None)
            if match is None and remaining:
                match = remaining[0]
            if match is not None:
                remaining.remove(match)
                work.records.images[str(match["id"])] = {"url": str(image["url"])}

    async def _after_create(self, work: Work, created: Mapping[str, Any]) -> None:
        desired = work.desired
        options = self._choices_from_variants(created)
        work.ids["options"] = options
        work.ids["modifiers"] = {}
        steps: list[Awaitable[Any]] = []
        made = {str(o["display_name"]).casefold(): o for o in created.get("options") or []}
        for option in desired.get("options") or []:
            name = str(option["display_name"]).casefold()
            if not _made_as_declared(option, made.get(name), self.ctx):
                steps.append(self._put_choice(work, "options", option, options.get(name)))
        for modifier in desired.get("modifiers") or []:
            steps.append(self._put_choice(work, "modifiers", modifier, None))
        await asyncio.gather(*steps)
        embedded, rest = _split_images(desired)
        orders = sort_orders(desired)
        for position, image in enumerate(rest, start=len(embedded)):  # in declared order
            await self._upload_image(work, image, orders[position])
        work.ids["images"] = self._image_order(work)
        await self._variant_images(work, [
            v for v in desired.get("variants") or []
            if isinstance(v.get("image"), str) and not is_url(v["image"])
        ])

    @staticmethod
    def _choices_from_variants(created: Mapping[str, Any]) -> dict[str, Any]:
        """Option and value ids from a created product's variants (or its options)."""
        found: dict[str, Any] = {}
        for option in created.get("options") or []:
            found[str(option["display_name"]).casefold()] = {
                "id": option["id"],
                "values": {str(v["label"]).casefold(): v["id"]
                           for v in option.get("option_values") or []},
            }
        for variant in created.get("variants") or []:
            for value in variant.get("option_values") or []:
                entry = found.setdefault(str(value["option_display_name"]).casefold(),
                                         {"id": value["option_id"], "values": {}})
                entry["values"][str(value["label"]).casefold()] = value["id"]
        return found

    @staticmethod
    def _image_order(work: Work) -> list[int]:
        """Image ids in creation order (what a new read orders by, after sort_order)."""
        return sorted(int(i) for i in work.records.images)

    async def _find(self, desired: Mapping[str, Any]) -> Mapping[str, Any] | None:
        sku = str(desired["sku"])
        body = await self.client.get(PATH, {"sku": sku, "include": INCLUDE})
        for product in body.get("data") or [] if isinstance(body, dict) else []:
            if str(product.get("sku", "")).casefold() == sku.casefold():
                return dict(product)
        return None

    async def _adopt(self, work: Work, existing: Mapping[str, Any]) -> None:
        """A product that exists although the plan creates it: converge it to ``desired``."""
        product_id = int(existing["id"])
        self.ctx.ids.remember(PRODUCT_KIND, str(existing["sku"]), product_id)
        choices, metafields = await asyncio.gather(
            read_choices(self.client, [product_id]), own_metafields(self.client, [product_id])
        )
        options, modifiers = choices.get(product_id, ([], []))
        own = metafields.get(product_id, {})
        records = image_records(own)
        live = live_data(existing, self.ctx.ids, own, options=options, modifiers=modifiers)
        work.ids = product_ids(existing, options=options, modifiers=modifiers)
        work.records = records
        work.metafields = metafield_ids(own)
        work.owned = True
        work.records_changed = True
        # What differs, exactly as the planner computes it: the product exists, so what
        # the lifecycle rules leave alone after create (its stock) stays as it is.
        rules = rules_of(PRODUCT_KIND)
        fields, _ = filter_of(PRODUCT_KIND.name, self.ctx.environment.lifecycle).split(
            work.change.key,
            as_written(
                diff(canonicalize(work.desired, rules), canonical_live(PRODUCT_KIND, live),
                     rules),
                work.desired, live, rules,
            ),
        )
        work.change = Change(
            work.change.kind, work.change.key, work.change.action, work.change.title,
            fields=tuple(fields), desired=work.desired, live_ids=work.ids,
            source=work.change.source,
        )
        await self._apply_updates([work])

    # updates ------------------------------------------------------------------------------
    async def update(self, changes: Sequence[Change]) -> list[ItemResult]:
        works = []
        for change in changes:
            ids = dict(change.live_ids or {})
            if "id" not in ids:
                known = self.ctx.ids.id_of(PRODUCT_KIND, change.key)
                if known is not None:
                    ids["id"] = known
            work = Work(change, dict(change.desired or {}), ids=ids,
                        metafields=dict(ids.get("metafields") or {}))
            if "id" not in ids:
                work.fail("the product is no longer in the store")
            works.append(work)
        ready = [w for w in works if w.error is None]
        if ready:
            await self._load_records(ready)
            await self._apply_updates(ready)
        return [w.result() for w in works]

    async def _load_records(self, works: list[Work]) -> None:
        """StagingPro's metafields of the products whose images change (one listing)."""
        touching = [w for w in works if any(_touches_images(f) for f in w.change.fields)]
        if not touching:
            return
        found = await own_metafields(self.client, [w.product_id for w in touching])
        for work in touching:
            own = found.get(work.product_id, {})
            work.metafields = metafield_ids(own)
            work.owned = OWNER_KEY in own
            work.records = image_records(own)

    async def _apply_updates(self, works: list[Work]) -> None:
        for work in works:
            if any(f.path == ("protect",) for f in work.change.fields):
                work.protect = work.desired.get("protect") is True
        await self._put_products(works)
        await asyncio.gather(*(self._update_children(w) for w in works))
        await self._put_variants(works)
        await asyncio.gather(*(self._update_variant_images(w) for w in works))
        await self._save_metafields(
            [w for w in works if w.records_changed or w.protect is not None]
        )

    async def _put_products(self, works: list[Work]) -> None:
        items: list[tuple[Work, dict[str, Any]]] = []
        for work in works:
            top = {str(f.path[0]) for f in work.change.fields
                   if f.path and (len(f.path) == 1 or f.path[0] in ("categories",
                                                                     "meta_keywords"))}
            top -= {"options", "variants", "modifiers", "images", "custom_fields",
                    "bulk_pricing_rules", "protect"}
            if not top:
                continue
            try:
                body = product_payload(work.desired, self.ctx.ids, top)
            except Unresolved as problem:
                work.fail(str(problem))
                continue
            if body:
                items.append((work, {"id": work.product_id, **body}))
        outcome = await send_batches(
            items, PRODUCT_BATCH, lambda batch: self.client.put(PATH, [b for _, b in batch])
        )
        for (work, _), error in outcome.failed:
            work.fail(error)

    async def _update_children(self, work: Work) -> None:
        fields = work.change.fields
        choices = {name: list_edits(fields, name) for name in CHOICE_KEYS}
        # Removals first: a new option may take the display name of a removed modifier
        # (names are unique across both), and the reverse.
        for list_name, edits in choices.items():
            await self._remove_choices(work, list_name, edits.removed)
        for list_name, edits in choices.items():
            await self._upsert_choices(work, list_name, edits)
        variants = list_edits(fields, "variants")
        known = work.ids.get("variants") or {}
        # A variant's option values cannot change in place: it is deleted and created anew.
        recreated = [k for k, names in variants.changed.items()
                     if "option_values" in names and k in known]
        await asyncio.gather(
            *(self._update_keyed(work, name, list_edits(fields, name)) for name in KEYED),
            self._update_images(work),
            self._remove_variants(work, [*variants.removed, *recreated]),
        )

    async def _remove_choices(self, work: Work, list_name: str, removed: list[str]) -> None:
        known: dict[str, Any] = work.ids.setdefault(list_name, {})
        base = f"{PATH}/{work.product_id}/{list_name}"
        for key in removed:
            entry = known.pop(key, None)
            if entry is not None:
                await work.attempt(f"removing {list_name[:-1]} {key}",
                                   self._delete(f"{base}/{entry['id']}"))

    async def _upsert_choices(self, work: Work, list_name: str, edits: ListEdits) -> None:
        known: dict[str, Any] = work.ids.setdefault(list_name, {})
        wanted = _entries(work.desired, list_name)
        steps = []
        for key in [*edits.added, *edits.changed]:
            if key in wanted:
                steps.append(self._put_choice(work, list_name, wanted[key], known.get(key),
                                              edits.removed_values.get(key, [])))
        await asyncio.gather(*steps)

    async def _put_choice(
        self, work: Work, list_name: str, entry: Mapping[str, Any],
        known: Mapping[str, Any] | None, removed_values: Sequence[str] = (),
    ) -> None:
        """Create (``known`` is None) or update an option or modifier with all its values."""
        base = f"{PATH}/{work.product_id}/{list_name}"
        what = f"{list_name[:-1]} {entry['display_name']!r}"
        value_ids: Mapping[str, int] = (known or {}).get("values", {})
        try:
            values = []
            for value in entry.get("values") or []:
                payload = (option_value_payload(value, self.ctx.ids) if list_name == "options"
                           else modifier_value_payload(value))
                value_id = value_ids.get(str(value["label"]).casefold())
                values.append({"id": value_id, **payload} if value_id else payload)
        except Unresolved as error:
            work.fail(str(error), what)
            return
        body: dict[str, Any] = {k: entry[k] for k in ("display_name", "type", "sort_order")
                                if k in entry}
        if list_name == "modifiers":
            body["required"] = entry.get("required", False)
        if values or list_name == "options":
            body["option_values"] = values
        if known is None:
            answer = await work.attempt(f"creating {what}", self.client.post(base, body))
        else:
            answer = await work.attempt(f"updating {what}",
                                        self.client.put(f"{base}/{known['id']}", body))
            for label in removed_values:
                value_id = value_ids.get(label)
                if value_id is not None:
                    await work.attempt(f"removing a value of {what}",
                                       self._delete(f"{base}/{known['id']}/values/{value_id}"))
        if answer is not None:
            choice = answer["data"]
            work.ids.setdefault(list_name, {})[str(choice["display_name"]).casefold()] = {
                "id": choice["id"],
                "values": {str(v["label"]).casefold(): v["id"]
                           for v in choice.get("option_values") or []
                           if str(v["label"]).casefold() not in removed_values},
            }

    async def _update_keyed(self, work: Work, list_name: str, edits: ListEdits) -> None:
        known: dict[str, Any] = work.ids.setdefault(list_name, {})
        wanted = _entries(work.desired, list_name)
        endpoint = "custom-fields" if list_name == "custom_fields" else "bulk-pricing-rules"
        base = f"{PATH}/{work.product_id}/{endpoint}"

        def payload(entry: Mapping[str, Any]) -> dict[str, Any]:
            if list_name == "custom_fields":
                return {"name": entry["name"], "value": entry["value"]}
            return bulk_rule_payload(entry)

        # A changed bulk pricing rule is removed and added again: updated in place, one
        # rule's new range can overlap another's old one for a moment, which the store
        # refuses (409); once the changed rules are gone, the desired set cannot.
        rebuilt = list(edits.changed) if list_name == "bulk_pricing_rules" else []
        for key in [*edits.removed, *rebuilt]:
            entry_id = known.pop(key, None)
            if entry_id is not None:
                await work.attempt(f"removing {list_name} {key}",
                                   self._delete(f"{base}/{entry_id}"))
        for key in [*edits.added, *edits.changed]:
            if key not in wanted:
                continue
            if key in known:
                await work.attempt(f"updating {list_name} {key}",
                                   self.client.put(f"{base}/{known[key]}", payload(wanted[key])))
            else:
                answer = await work.attempt(f"adding {list_name} {key}",
                                            self.client.post(base, payload(wanted[key])))
                if answer is not None:
                    known[key] = answer["data"]["id"]

    async def _update_images(self, work: Work) -> None:
        added, removed, changed = image_edits(work.change.fields)
        if not (added or removed or changed):
            return
        ids: list[Any] = list(work.ids.get("images") or [])
        declared = list(work.desired.get("images") or [])
        orders = sort_orders(work.desired)
        base = f"{PATH}/{work.product_id}/images"
        for position in sorted(removed, reverse=True):
            if position < len(ids):
                image_id = ids[position]
                await work.attempt("removing an image", self._delete(f"{base}/{image_id}"))
                work.records.images.pop(str(image_id), None)
                work.records_changed = True
        for position, names in sorted(changed.items()):
            if position >= len(declared) or position >= len(ids):
                continue
            image_id = ids[position]
            if names & IMAGE_SOURCE:
                await work.attempt("replacing an image", self._delete(f"{base}/{image_id}"))
                work.records.images.pop(str(image_id), None)
                work.records_changed = True
                await self._upload_image(work, declared[position], orders[position])
            else:
                await work.attempt("updating an image", self.client.put(
                    f"{base}/{image_id}", self._image_fields(declared[position],
                                                             orders[position])))
        for position in sorted(added):
            if position < len(declared):
                await self._upload_image(work, declared[position], orders[position])
        # The images left as they were keep the declared order only if their sort order is
        # the one sort_orders gives them (a sort order the YAML does not declare is ours).
        live_orders: list[Any] = list(work.ids.get("image_sort_orders") or [])
        for position, image_id in enumerate(ids[: len(declared)]):
            if (position in changed or position >= len(live_orders)
                    or "sort_order" in declared[position]
                    or live_orders[position] == orders[position]):
                continue
            await work.attempt("ordering an image", self.client.put(
                f"{base}/{image_id}", {"sort_order": orders[position]}))
        work.ids["images"] = self._image_order(work)

    async def _upload_image(self, work: Work, image: Mapping[str, Any], sort_order: int) -> None:
        """Create one image from a URL (JSON) or a repository file (multipart)."""
        base = f"{PATH}/{work.product_id}/images"
        fields = self._image_fields(image, sort_order)
        if image.get("url"):
            answer = await work.attempt("adding an image", self.client.post(
                base, {**fields, "image_url": image["url"]}))
            record = {"url": str(image["url"])}
        else:
            try:
                part, digest = image_file(self.ctx, work.change, str(image["file"]),
                                          image.get("sha256"))
            except Unresolved as error:
                work.fail(str(error))
                return
            # The other image fields travel as plain form fields (no file name).
            parts: dict[str, Any] = {"image_file": part}
            for name, value in fields.items():
                text = str(value).lower() if isinstance(value, bool) else str(value)
                parts[name] = (None, text.encode(), "text/plain")
            sent = await work.attempt("uploading an image",
                                      self.client.send("POST", base, files=parts))
            answer = sent.body if sent is not None else None
            record = {"file": str(image["file"]), "sha256": digest}
        if answer is not None:
            work.records.images[str(answer["data"]["id"])] = record
            work.records_changed = True

    async def _remove_variants(self, work: Work, removed: list[str]) -> None:
        known: dict[str, Any] = work.ids.setdefault("variants", {})
        for key in removed:
            variant_id = known.pop(key, None)
            if variant_id is not None:
                await work.attempt(f"removing variant {key}", self._delete(
                    f"{PATH}/{work.product_id}/variants/{variant_id}"))
                work.records.variant_images.pop(str(variant_id), None)

    async def _put_variants(self, works: list[Work]) -> None:
        items: list[tuple[Work, str, dict[str, Any]]] = []
        for work in works:
            if work.error is not None:
                continue
            edits = list_edits(work.change.fields, "variants")
            wanted = _entries(work.desired, "variants")
            known: dict[str, Any] = work.ids.setdefault("variants", {})
            for key in [*edits.added, *edits.changed]:
                variant = wanted.get(key)
                if variant is None:
                    continue
                names = edits.changed.get(key, set())
                whole = key not in known or "*" in names
                body = variant_fields(variant, None if whole else names)
                if whole or "option_values" in names:
                    refs = self._option_refs(work, variant)
                    if refs is None:
                        continue
                    body["option_values"] = refs
                if key in known:
                    body["id"] = known[key]
                else:
                    body.update(product_id=work.product_id, sku=variant["sku"])
                if len(body) > 1 or "sku" in body:
                    items.append((work, key, body))
        outcome = await send_batches(
            items, VARIANT_BATCH,
            lambda batch: self.client.put(VARIANTS, [b for _, _, b in batch]),
        )
        for batch, answer in outcome.succeeded:
            made = {str(v["sku"]).casefold(): v["id"] for v in (answer or {}).get("data") or []
                    if isinstance(v, Mapping) and "sku" in v}
            for work, key, _ in batch:
                if key in made:
                    work.ids["variants"][key] = made[key]
        for (work, key, _), error in outcome.failed:
            work.fail(error, f"variant {key}")

    def _option_refs(self, work: Work, variant: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        options: Mapping[str, Any] = work.ids.get("options") or {}
        refs = []
        for name, label in variant["option_values"].items():
            option = options.get(str(name).casefold())
            value_id = option["values"].get(str(label).casefold()) if option else None
            if option is None or value_id is None:
                work.fail(f"variant {variant['sku']}: option {name!r} has no value {label!r}"
                          " in the store")
                return None
            refs.append({"option_id": option["id"], "id": value_id})
        return refs

    async def _update_variant_images(self, work: Work) -> None:
        if work.error is not None:
            return
        edits = list_edits(work.change.fields, "variants")
        keys = set(edits.added) | {k for k, names in edits.changed.items()
                                   if names & {"image", "image_sha256", "*"}}
        wanted = _entries(work.desired, "variants")
        await self._variant_images(
            work, [wanted[k] for k in sorted(keys) if k in wanted and wanted[k].get("image")]
        )

    async def _variant_images(self, work: Work, variants: list[Mapping[str, Any]]) -> None:
        known: Mapping[str, Any] = work.ids.get("variants") or {}
        for variant in variants:
            variant_id = known.get(str(variant["sku"]).casefold())
            if variant_id is None:
                continue
            path = f"{PATH}/{work.product_id}/variants/{variant_id}/image"
            image = str(variant["image"])
            what = f"image of variant {variant['sku']}"
            if is_url(image):
                answer = await work.attempt(what, self.client.post(path, {"image_url": image}))
                record = {"url": image}
            else:
                try:
                    part, digest = image_file(self.ctx, work.change, image,
                                              variant.get("image_sha256"))
                except Unresolved as error:
                    work.fail(str(error), what)
                    continue
                sent = await work.attempt(what, self.client.send(
                    "POST", path, files={"image_file": part}))
                answer = sent.body if sent is not None else None
                record = {"file": image, "sha256": digest}
            if answer is not None:
                work.records.variant_images[str(variant_id)] = record
                work.records_changed = True

    # metafields ---------------------------------------------------------------------------
    async def _save_metafields(self, works: list[Work]) -> None:
        """Create, update or remove StagingPro's metafields (marker, image records,
        ``protect``) in batches; ids of created ones are kept in ``work.metafields``.

        ``protect`` is recorded when a declaration sets ``protect: true`` and removed only
        when it says ``protect: false``: a declaration that merely leaves the field out
        does not change it (only what is declared is managed), and a product whose YAML
        is removed must stay protected, which is the point of recording it in the store.
        """
        creates: list[tuple[Work, dict[str, Any]]] = []
        updates: list[tuple[Work, dict[str, Any]]] = []
        removals: list[tuple[Work, int]] = []
        for work in works:
            if work.owned and OWNER_KEY not in work.metafields:
                creates.append((work, self._metafield(work, OWNER_KEY, "stagingpro")))
            if work.protect is True and PROTECT_KEY not in work.metafields:
                creates.append((work, self._metafield(work, PROTECT_KEY, "true")))
            elif work.protect is False and PROTECT_KEY in work.metafields:
                removals.append((work, work.metafields[PROTECT_KEY]))
            if not work.records_changed:
                continue
            value = work.records.dump()
            if IMAGES_KEY in work.metafields:
                updates.append((work, {"id": work.metafields[IMAGES_KEY], "value": value}))
            elif work.records.images or work.records.variant_images:
                creates.append((work, self._metafield(work, IMAGES_KEY, value)))
        for method, items in (("POST", creates), ("PUT", updates)):
            outcome = await send_batches(items, METAFIELD_BATCH, self._metafields_sender(method))
            for (work, _), error in outcome.failed:
                work.fail(error, "recording StagingPro's metafields")
            if method == "POST":
                _remember_created(outcome.succeeded)
        removed = await send_batches(
            removals, METAFIELD_BATCH,
            lambda batch: self.client.send("DELETE", METAFIELDS, json=[i for _, i in batch]),
        )
        for batch, _ in removed.succeeded:
            for work, _ in batch:
                work.metafields.pop(PROTECT_KEY, None)
        for (work, _), error in removed.failed:
            work.fail(error, "removing StagingPro's protect metafield")

    def _metafields_sender(
        self, method: str
    ) -> Callable[[list[tuple[Work, dict[str, Any]]]], Awaitable[Any]]:
        async def send(batch: list[tuple[Work, dict[str, Any]]]) -> Any:
            return await self.client.send(method, METAFIELDS, json=[b for _, b in batch])

        return send

    @staticmethod
    def _metafield(work: Work, key: str, value: str) -> dict[str, Any]:
        return own_metafield(work.product_id, key, value)

    # deletes ------------------------------------------------------------------------------
    async def delete(self, changes: Sequence[Change]) -> list[ItemResult]:
        results: dict[int, ItemResult] = {}
        known: list[tuple[int, Change, int]] = []
        for index, change in enumerate(changes):
            product_id = (change.live_ids or {}).get("id") or self.ctx.ids.id_of(
                PRODUCT_KIND, change.key)
            if product_id is None:
                results[index] = applied(change)
            else:
                known.append((index, change, int(product_id)))
        outcome = await send_batches(
            known, DELETE_BATCH,
            lambda batch: self.client.delete(PATH, {"id:in": [pid for _, _, pid in batch]}),
        )
        for batch, _ in outcome.succeeded:
            for index, change, product_id in batch:
                self.ctx.ids.forget(PRODUCT_KIND, change.key)
                results[index] = applied(change, {"id": product_id})
        for (index, change, _), error in outcome.failed:
            results[index] = failed(change, error)
        return [results[i] for i in range(len(changes))]

    async def _delete(self, path: str) -> None:
        with contextlib.suppress(NotFoundError):  # already gone: the end state holds
            await self.client.delete(path)


def _remember_created(
    succeeded: Sequence[tuple[list[tuple[Work, dict[str, Any]]], Any]],
) -> None:
    """Keep the ids of metafields just created, so saving a product's metafields again in
    the same apply (an adopted create) updates them instead of creating them twice."""
    for batch, answer in succeeded:
        body = answer.body if isinstance(answer, LiveResponse) else None
        made = {
            (m.get("resource_id"), m.get("key")): m["id"]
            for m in (body.get("data") or [] if isinstance(body, dict) else [])
            if isinstance(m, dict) and "id" in m
        }
        for work, sent in batch:
            made_id = made.get((sent["resource_id"], sent["key"]))
            if made_id is not None:
                work.metafields[str(sent["key"])] = int(made_id)
