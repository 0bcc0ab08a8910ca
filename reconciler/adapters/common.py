"""Small helpers the catalogue adapters share: results, changed fields, per-item writes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from reconciler.adapters.base import ItemResult
from reconciler.errors import ApiDetail, LiveError
from reconciler.plan.model import ABSENT, Change

OWNER_NAMESPACE = "stagingpro"
"""Metafield namespace of StagingPro's own records on catalogue items."""
OWNER_KEY = "managed"
"""Key of StagingPro's ownership marker metafield (products, brands, categories)."""


def own_metafield(resource_id: int, key: str, value: str) -> dict[str, Any]:
    """One of StagingPro's metafields on catalogue item ``resource_id``, as a batch
    ``POST …/metafields`` item (readable by other apps, writable only by StagingPro)."""
    return {"resource_id": resource_id, "namespace": OWNER_NAMESPACE, "key": key,
            "value": value, "permission_set": "read"}


def applied(change: Change, ids: Mapping[str, Any] | None = None, message: str = "") -> ItemResult:
    """The result of a change the store accepted."""
    return ItemResult(
        change.kind, change.key, change.action, "applied", message=message, ids=dict(ids or {})
    )


def failed(change: Change, error: LiveError | str, detail: ApiDetail | None = None) -> ItemResult:
    """The result of a change the store refused (``error`` carries BigCommerce's answer)."""
    if isinstance(error, LiveError):
        return ItemResult(
            change.kind, change.key, change.action, "failed",
            message=error.message, detail=error.detail,
        )
    return ItemResult(change.kind, change.key, change.action, "failed", message=error,
                      detail=detail)


def changed_fields(change: Change) -> set[str]:
    """The top-level field names a change touches (``{"price", "variants"}``)."""
    return {str(f.path[0]) for f in change.fields if f.path}


def removed_entries(change: Change, field_name: str) -> set[str]:
    """Keys of the entries of keyed list ``field_name`` the change removes
    (``("variants", "TRAIL-01-9")`` with no ``after``)."""
    return {
        str(f.path[1])
        for f in change.fields
        if len(f.path) == 2 and f.path[0] == field_name and f.after is ABSENT
    }


def desired_of(change: Change) -> dict[str, Any]:
    """The declared values of a create or update (empty for a delete)."""
    return dict(change.desired or {})


def custom_url_out(value: str) -> dict[str, Any]:
    """A model ``custom_url`` as the API's ``custom_url`` object (brands, products)."""
    return {"url": value, "is_customized": True}


def custom_url_in(value: Any) -> str | None:
    """The API's ``custom_url`` object as the model's path."""
    if isinstance(value, Mapping):
        url = value.get("url")
        return url if isinstance(url, str) and url else None
    return None


def non_empty(value: Any) -> Any:
    """``None`` for the empty string the API answers for an unset optional text value
    (``image_url: ""``): the model has no "empty URL", only "none"."""
    return None if value == "" else value


async def each(
    changes: Sequence[Change], write: Callable[[Change], Awaitable[ItemResult]]
) -> list[ItemResult]:
    """Run ``write`` for every change concurrently (the client paces them), turning a
    :class:`LiveError` into a failed result; results in the order of ``changes``."""

    async def one(change: Change) -> ItemResult:
        try:
            return await write(change)
        except LiveError as error:
            return failed(change, error)

    return list(await asyncio.gather(*(one(change) for change in changes)))


def pick(source: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The entries of ``source`` named in ``names`` that it has."""
    return {name: source[name] for name in names if name in source}


def number(value: Any) -> Any:
    """A declared decimal (``"179.50"``, or a :class:`~decimal.Decimal`) as the JSON
    number the API takes, with every digit: an int when whole, a float when that holds
    the value exactly, else the :class:`~decimal.Decimal` itself (the client writes it
    as a JSON number digit for digit: ``999999999999.0003`` has more digits than a
    float keeps). Other values unchanged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str | Decimal):
        try:
            parsed = Decimal(value)
        except ArithmeticError:
            return value
        if not parsed.is_finite():
            return value
        if parsed == parsed.to_integral_value():
            return int(parsed)
        as_float = float(parsed)
        return as_float if Decimal(repr(as_float)) == parsed else parsed
    return value


def numbers(values: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """``values`` with the fields in ``names`` turned into JSON numbers (:func:`number`)."""
    wanted = set(names)
    return {k: number(v) if k in wanted else v for k, v in values.items()}
