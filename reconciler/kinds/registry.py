"""Every kind StagingPro manages, in dependency (apply) order.

Creates and updates run in this order; deletes run in reverse. Adding a kind is one
module plus one entry here (placed after every kind it depends on; a test checks it).
"""

from __future__ import annotations

import difflib
from typing import Any

from reconciler.errors import ConfigError
from reconciler.kinds.base import Kind
from reconciler.kinds.brand import BrandKind
from reconciler.kinds.category import CategoryKind
from reconciler.kinds.customer_group import CustomerGroupKind
from reconciler.kinds.page import PageKind
from reconciler.kinds.price_list import PriceListKind
from reconciler.kinds.product import ProductKind
from reconciler.kinds.redirect import RedirectKind
from reconciler.kinds.script import ScriptKind
from reconciler.kinds.theme import ThemeKind
from reconciler.kinds.webhook import WebhookKind

KINDS: tuple[Kind[Any], ...] = (
    BrandKind(),
    CategoryKind(),
    ProductKind(),
    PriceListKind(),
    CustomerGroupKind(),
    PageKind(),
    RedirectKind(),
    ScriptKind(),
    WebhookKind(),
    ThemeKind(),
)

_BY_NAME: dict[str, Kind[Any]] = {}
for _kind in KINDS:
    _BY_NAME[_kind.name] = _kind
    _BY_NAME[_kind.plural] = _kind
    # Directory-style spellings (price-lists, customer-groups) are accepted too.
    _BY_NAME[_kind.plural.replace("_", "-")] = _kind
    _BY_NAME[_kind.name.replace("_", "-")] = _kind


def kind_names() -> list[str]:
    """The singular names of all kinds, in apply order."""
    return [kind.name for kind in KINDS]


def kind_named(name_or_plural: str) -> Kind[Any]:
    """The kind called ``name_or_plural`` (``"product"``, ``"products"``, ``"price-lists"``).

    Raises :class:`ConfigError` naming the closest kind when there is no such kind.
    """
    kind = _BY_NAME.get(name_or_plural.strip().lower())
    if kind is not None:
        return kind
    close = difflib.get_close_matches(name_or_plural.lower(), list(_BY_NAME), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"unknown kind {name_or_plural!r}",
        hint=f"{hint}kinds are: {', '.join(kind_names())}",
    )
