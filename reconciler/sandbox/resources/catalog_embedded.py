"""Sub-resource arrays in a product update (``PUT /v3/catalog/products[/{id}]``).

A product PUT may carry ``variants``, ``images``, ``custom_fields``, ``bulk_pricing_rules``
and ``videos``. Items with an ``id`` update that sub-resource of the product; items
without one are created; sub-resources not mentioned are kept. :func:`plan_embedded`
checks everything first and returns the changes to run once the whole request is valid,
so a rejected update leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.http import ApiProblem, now_iso
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    Field,
    conflict,
    field_errors,
    known,
)
from reconciler.sandbox.resources.catalog_documents import (
    CUSTOM_FIELD_FIELDS,
    IMAGE_FIELDS,
    IMAGE_READ_ONLY,
    MAX_CUSTOM_FIELDS,
    MAX_IMAGES,
    MAX_VARIANTS,
    VARIANT_FIELDS,
    VIDEO_FIELDS,
    OptionResolver,
    add_image,
    add_option_variant,
    bulk_rule_errors,
    combination,
    image_document,
    make_bulk_rule,
    new_variant,
    option_value_overflow,
    rules_overlap,
    same_option_values,
    set_variant_fields,
    sku_taken,
    variant_errors,
    video_document,
)
from reconciler.sandbox.storage import Document, Store

Change = Callable[[], None]


def _by_id(items: list[Document]) -> dict[int, Document]:
    return {int(item["id"]): item for item in items}


def _unknown_id(
    errors: dict[str, str],
    where: str,
    what: str,
    item: dict[str, Any],
    known_ids: dict[int, Document],
) -> bool:
    if "id" in item and item["id"] not in known_ids:
        errors[f"{where}id"] = f"the product has no {what} {item['id']}"
        return True
    return False


@dataclass(frozen=True)
class _Checked:
    """A sub-resource array whose items are checked field by field against ``fields``."""

    what: str
    """How messages name one item."""
    fields: Mapping[str, Field]
    required: tuple[str, ...]
    """Fields an item without an ``id`` (one to create) must have."""
    ignored: tuple[str, ...]
    """Read-only fields a client may echo back."""

    def sort(
        self,
        existing: dict[int, Document],
        items: list[dict[str, Any]],
        where: str,
        errors: dict[str, str],
    ) -> tuple[list[tuple[Document, dict[str, Any]]], list[dict[str, Any]]]:
        """Record the problems of ``items`` in ``errors``; the valid ones as updates
        ``(existing document, item)`` and creations, in request order."""
        updates: list[tuple[Document, dict[str, Any]]] = []
        created: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            at = f"{where}[{i}]."
            if _unknown_id(errors, at, self.what, item, existing):
                continue
            required = () if "id" in item else self.required
            found = field_errors(
                item, self.fields, required=required, ignored=self.ignored, prefix=at
            )
            if found:
                errors.update(found)
            elif "id" in item:
                updates.append((existing[item["id"]], item))
            else:
                created.append(item)
        return updates, created


_CUSTOM_FIELDS = _Checked("custom field", CUSTOM_FIELD_FIELDS, ("name", "value"), ("id",))
_IMAGES = _Checked("image", IMAGE_FIELDS, ("image_url",), IMAGE_READ_ONLY)
_VIDEOS = _Checked("video", VIDEO_FIELDS, ("video_id",), ("id", "product_id", "length"))


def plan_embedded(
    store: Store, product: Document, body: dict[str, Any], claimed_skus: set[str], prefix: str
) -> list[Change]:
    """Check the sub-resource arrays of a product update; the changes to apply afterwards."""
    errors: dict[str, str] = {}
    changes: list[Change] = []
    conflicts: list[ApiProblem] = []
    if isinstance(body.get("custom_fields"), list):
        changes += _custom_fields(
            store, product, body["custom_fields"], f"{prefix}custom_fields", errors, conflicts
        )
    if isinstance(body.get("bulk_pricing_rules"), list):
        changes += _bulk_rules(
            store,
            product,
            body["bulk_pricing_rules"],
            f"{prefix}bulk_pricing_rules",
            errors,
            conflicts,
        )
    if isinstance(body.get("images"), list):
        changes += _images(store, product, body["images"], f"{prefix}images", errors)
    if isinstance(body.get("videos"), list):
        changes += _videos(store, product, body["videos"], f"{prefix}videos", errors)
    if isinstance(body.get("variants"), list):
        changes += _variants(
            store, product, body["variants"], f"{prefix}variants", errors, conflicts, claimed_skus
        )
    if errors:
        raise ApiProblem(422, INVALID, errors)
    if conflicts:
        raise conflicts[0]
    return changes


def _custom_fields(
    store: Store,
    product: Document,
    items: list[dict[str, Any]],
    where: str,
    errors: dict[str, str],
    conflicts: list[ApiProblem],
) -> list[Change]:
    existing = _by_id(product["custom_fields"])
    final = {fid: (f["name"], f["value"]) for fid, f in existing.items()}
    updates, new_items = _CUSTOM_FIELDS.sort(existing, items, where, errors)
    for field, item in updates:
        old = final[field["id"]]
        final[field["id"]] = (item.get("name", old[0]), item.get("value", old[1]))
    created = [(item["name"], item["value"]) for item in new_items]
    pairs = [*final.values(), *created]
    if len(set(pairs)) != len(pairs):
        conflicts.append(conflict(where, "a custom field with this name and value already exists"))
    if len(pairs) > MAX_CUSTOM_FIELDS:
        errors[where] = f"a product has at most {MAX_CUSTOM_FIELDS} custom fields"

    def apply() -> None:
        for fid, (name, value) in final.items():
            existing[fid].update({"name": name, "value": value})
        for name, value in created:
            product["custom_fields"].append(
                {"id": store.next_counter("catalog_custom_fields"), "name": name, "value": value}
            )

    return [apply]


def _bulk_rules(
    store: Store,
    product: Document,
    items: list[dict[str, Any]],
    where: str,
    errors: dict[str, str],
    conflicts: list[ApiProblem],
) -> list[Change]:
    existing = _by_id(product["bulk_pricing_rules"])
    final = {rid: {k: v for k, v in r.items() if k != "id"} for rid, r in existing.items()}
    created: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]."
        if _unknown_id(errors, at, "bulk pricing rule", item, existing):
            continue
        merged = {**final[item["id"]], **item} if "id" in item else dict(item)
        merged.pop("id", None)
        found = bulk_rule_errors(merged, at)
        if found:
            errors.update(found)
        elif "id" in item:
            final[item["id"]] = merged
        else:
            created.append(merged)
    everything = [*final.values(), *created]
    for i, rule in enumerate(everything):
        if any(rules_overlap(other, rule) for other in everything[:i]):
            conflicts.append(conflict(where, "bulk pricing rules overlap in quantity"))
            break

    def apply() -> None:
        for rid, rule in final.items():
            existing[rid].update(
                {k: rule[k] for k in ("quantity_min", "quantity_max", "type", "amount")}
            )
        product["bulk_pricing_rules"].extend(make_bulk_rule(store, rule) for rule in created)
        product["bulk_pricing_rules"].sort(key=lambda r: r["quantity_min"])

    return [apply]


def _images(
    store: Store, product: Document, items: list[dict[str, Any]], where: str, errors: dict[str, str]
) -> list[Change]:
    updates, created = _IMAGES.sort(_by_id(product["images"]), items, where, errors)
    if sum(1 for item in items if item.get("is_thumbnail")) > 1:
        errors[where] = "at most one image may be the thumbnail"
    if len(product["images"]) + len(created) > MAX_IMAGES:
        errors[where] = f"a product has at most {MAX_IMAGES} images"

    def apply() -> None:
        for image, item in updates:
            if item.get("is_thumbnail"):
                for other in product["images"]:
                    other["is_thumbnail"] = False
            for name in ("is_thumbnail", "sort_order", "description"):
                if name in item:
                    image[name] = item[name]
            if "image_url" in item:
                for size in ("standard", "zoom", "thumbnail", "tiny"):
                    image[f"url_{size}"] = item["image_url"]
            image["date_modified"] = now_iso()
        for item in created:
            add_image(product, image_document(store, product["id"], item))
        product["images"].sort(key=lambda i: (i["sort_order"], i["id"]))

    return [apply]


def _videos(
    store: Store, product: Document, items: list[dict[str, Any]], where: str, errors: dict[str, str]
) -> list[Change]:
    updates, created = _VIDEOS.sort(_by_id(product["videos"]), items, where, errors)

    def apply() -> None:
        for video, item in updates:
            video.update(known(item, VIDEO_FIELDS))
        product["videos"].extend(video_document(store, product["id"], item) for item in created)

    return [apply]


def _variants(
    store: Store,
    product: Document,
    items: list[dict[str, Any]],
    where: str,
    errors: dict[str, str],
    conflicts: list[ApiProblem],
    claimed: set[str],
) -> list[Change]:
    existing = _by_id(product["variants"])
    updates: list[tuple[Document, dict[str, Any]]] = []
    created: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]."
        if _unknown_id(errors, at, "variant", item, existing):
            continue
        found = variant_errors(item, at, creating="id" not in item, embedded=True)
        if (
            "id" in item
            and "option_values" in item
            and f"{at}option_values" not in found
            and not same_option_values(existing[item["id"]], item["option_values"])
        ):
            found[f"{at}option_values"] = "option values of an existing variant cannot change"
        if found:
            errors.update(found)
            continue
        sku = item.get("sku")
        variant_id = item.get("id")
        if sku and sku_taken(
            store, sku, product_id=product["id"], variant_id=variant_id, extra=claimed
        ):
            conflicts.append(conflict(f"{at}sku", f"The SKU {sku!r} is already in use"))
        if sku:
            claimed.add(sku.lower())
        if variant_id is not None:
            updates.append((existing[variant_id], item))
        else:
            created.append(item)
    if len(product["variants"]) + len(created) > MAX_VARIANTS:
        errors[where] = f"a product has at most {MAX_VARIANTS} variants"
    if created and not errors:
        errors.update(option_value_overflow(product["options"], items, where))
        conflicts.extend(_options_named_as_modifiers(product, items, where))
    resolver: OptionResolver | None = None
    resolved: list[list[dict[str, Any]]] = []
    if created and not errors and not conflicts:
        # Only a valid request gets this far: resolving may create options and values.
        resolver = OptionResolver(store, product, may_create=True)
        combos = {combination(v["option_values"]) for v in product["variants"]}
        for i, item in enumerate(created):
            values = resolver.resolve(item["option_values"], f"{where}[{i}].")
            combo = combination(values)
            if combo in combos:
                conflicts.append(
                    conflict(f"{where}[{i}].option_values", "another variant has the same options")
                )
            combos.add(combo)
            resolved.append(values)

    def apply() -> None:
        for variant, item in updates:
            fields = known(item, VARIANT_FIELDS)
            fields.pop("product_id", None)
            fields.pop("option_values", None)  # checked unchanged above
            set_variant_fields(variant, fields)
            if "sku" in fields and variant["id"] == product.get("base_variant_id"):
                product["sku"] = variant["sku"]
        if resolver is not None:
            resolver.apply()
        for item, values in zip(created, resolved, strict=True):
            fields = known(item, VARIANT_FIELDS)
            fields.pop("product_id", None)
            fields["option_values"] = values
            variant = new_variant(store, product["id"], item["sku"], fields)
            variant["sku_id"] = variant["id"]
            add_option_variant(product, variant)

    return [apply]


def _options_named_as_modifiers(
    product: Document, items: list[dict[str, Any]], where: str
) -> list[ApiProblem]:
    """A 409 when a new variant names, as an option to create, one of the product's
    modifiers: options and modifiers share one name space (product-modifiers_catalog.v3.yml
    answers 409 "in conflict with another modifier or option"), whichever way the option
    would be made."""
    modifiers = {m["display_name"].lower() for m in product["modifiers"]}
    for i, item in enumerate(items):
        if "id" in item:
            continue
        for ref in item.get("option_values") or []:
            if ref.get("option_id") and ref.get("id"):
                continue  # an existing option's value
            name = str(ref["option_display_name"])
            if name.lower() in modifiers:
                at = f"{where}[{i}].option_values"
                return [conflict(at, f"a modifier named {name!r} exists")]
    return []
