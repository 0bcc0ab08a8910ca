"""Categories: ``catalog/categories``, matched by their path of names from the root.

A category's key is its ``path`` (``"Footwear/Trail"``). Categories live in *trees*, one
per channel; the default tree is channel 1's. A category in another tree sets
``channel_id`` and its key gains a ``channel:<id>/`` prefix (``"channel:2/Footwear"``), so
other items refer to it unambiguously. Names are unique among siblings *per tree* through
the key itself: two categories with the same path in the same tree are a duplicate key.
A root category named ``channel:<digits>`` is refused so the prefix cannot be mistaken.

A name may contain any character BigCommerce allows, ``/`` included: in a path, a ``/``
inside a name is written ``\\/`` and a backslash ``\\\\`` (``Outdoor/Tents\\/Tarps`` is the
category ``Tents/Tarps`` under ``Outdoor``). Every key built from names (declared or read
from a store) escapes them the same way, so a path always names exactly one category.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, field_validator

from reconciler.kinds.base import ItemModel, Kind, Reference, UniqueValue
from reconciler.kinds.fields import (
    CatalogUrlPath,
    ChannelId,
    HttpUrl,
    Keywords,
    LongText,
    SortOrder,
    Str255,
    custom_url_value,
)

MAX_DEPTH = 8  # category-trees_catalog.v3.yml: "depth <= 8"
MAX_NAME = 50  # category name maxLength 50
DEFAULT_CHANNEL = 1

ProductSort = Literal[
    "use_store_settings",
    "featured",
    "newest",
    "best_selling",
    "alpha_asc",
    "alpha_desc",
    "avg_customer_review",
    "price_asc",
    "price_desc",
]


PATH_PATTERN = r"^(?:[^/\\]|\\[/\\])+(?:/(?:[^/\\]|\\[/\\])+)*$"
"""Names separated by ``/``, where a name writes ``/`` as ``\\/`` and ``\\`` as ``\\\\``."""
PATH_HELP = (
    "Category names from the root, separated by '/'; inside a name write '/' as '\\/'"
    " and a backslash as '\\\\' (e.g. 'Outdoor/Tents\\/Tarps')."
)


def escape_name(name: str) -> str:
    """A category name as written in a path: ``\\`` → ``\\\\``, ``/`` → ``\\/``."""
    return name.replace("\\", "\\\\").replace("/", "\\/")


def join_path(names: Iterable[str]) -> str:
    """The path of the category named ``names`` from the root (each name escaped)."""
    return "/".join(escape_name(name) for name in names)


def parse_path(path: str) -> list[str]:
    """The names of a path, unescaped (``"A/B\\/C"`` → ``["A", "B/C"]``), unchecked.

    Raises :class:`ValueError` for a backslash that escapes neither ``/`` nor ``\\``.
    """
    if "\\" not in path:  # the common case, and the one large catalogues repeat
        return path.split("/")
    names: list[str] = []
    current: list[str] = []
    chars = iter(path)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped not in ("/", "\\"):
                raise ValueError(
                    f"{path!r} has a lone backslash: inside a name write '\\/' for '/' and"
                    " '\\\\' for a backslash"
                )
            current.append(escaped)
        elif char == "/":
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    return names


def split_path(path: str) -> list[str]:
    """The names of a category path (unescaped), checked: non-empty, <= 50 characters,
    depth <= 8."""
    names = parse_path(path)
    if len(names) > MAX_DEPTH:
        raise ValueError(f"is {len(names)} levels deep; BigCommerce allows at most {MAX_DEPTH}")
    for name in names:
        if not name.strip():
            raise ValueError(
                f"{path!r} has an empty name; write names separated by single '/', "
                "with no leading or trailing '/' (a '/' inside a name is written '\\/')"
            )
        if name != name.strip():
            raise ValueError(f"name {name!r} has leading or trailing spaces")
        if len(name) > MAX_NAME:
            raise ValueError(f"name {name!r} is {len(name)} characters; the limit is {MAX_NAME}")
    return names


def tree_key(path: str, channel_id: int | None) -> str:
    """The key of the category at ``path`` in channel ``channel_id``'s tree."""
    if channel_id is None or channel_id == DEFAULT_CHANNEL:
        return path
    return f"channel:{channel_id}/{path}"


class Category(ItemModel):
    """A category (``categories_catalog.v3.yml`` / ``category-trees_catalog.v3.yml``)."""

    path: Annotated[str, Field(description=PATH_HELP, json_schema_extra={"pattern": PATH_PATTERN})]
    channel_id: ChannelId | None = None
    description: LongText | None = None
    is_visible: bool | None = None
    sort_order: SortOrder | None = None
    page_title: Str255 | None = None
    meta_description: LongText | None = None
    meta_keywords: Keywords | None = None
    search_keywords: Str255 | None = None  # maxLength 255 for tree categories
    custom_url: CatalogUrlPath | None = None
    default_product_sort: ProductSort | None = None
    image_url: HttpUrl | None = None

    @field_validator("path")
    @classmethod
    def _valid_path(cls, path: str) -> str:
        names = split_path(path)
        if re.fullmatch(r"channel:\d+", names[0]):
            raise ValueError(
                f"a root category may not be named {names[0]!r}: 'channel:<id>/' prefixes keys"
                " of categories in other channels' trees; set channel_id instead"
            )
        return path

    @property
    def name(self) -> str:
        """The category's own name (the last element of its path), unescaped."""
        return parse_path(self.path)[-1]

    @property
    def parent_path(self) -> str | None:
        """The parent's path (escaped, as written), or ``None`` for a top-level category."""
        names = parse_path(self.path)
        return join_path(names[:-1]) if len(names) > 1 else None


class CategoryKind(Kind[Category]):
    """Categories refer to their parent, so a missing parent is a dangling reference."""

    name = "category"
    plural = "categories"
    directory = "catalog/categories"
    model = Category
    can_mark_owned = True
    key_fields = ("path",)

    def key(self, item: Category) -> str:
        return tree_key(item.path, item.channel_id)

    def references(self, item: Category) -> Iterable[Reference]:
        if item.parent_path is not None:
            yield Reference("category", tree_key(item.parent_path, item.channel_id), ("path",))

    def unique_values(self, item: Category) -> Iterable[UniqueValue]:
        # categories_catalog.v3.yml:258: "The name must be unique with respect to the
        # category of siblings"; the store compares names ignoring case (Cafe = CAFE), so
        # such twins are refused here rather than by a 409 in the middle of an apply.
        parent = tree_key(item.parent_path or "", item.channel_id)
        yield UniqueValue(
            "category name",
            f"{parent}\x00{item.name.casefold()}",
            item.name,
            ("path",),
            "BigCommerce refuses sibling categories whose names differ only by case;"
            " rename one of them",
        )
        if item.custom_url is not None:
            yield custom_url_value(item.custom_url)


def check_category_key(key: str) -> str:
    """Check a category key (``"Footwear/Trail"``, ``"channel:2/Footwear"``)."""
    match = re.fullmatch(r"channel:(\d+)/(.*)", key)
    split_path(match.group(2) if match else key)
    return key


CategoryKey = Annotated[
    str,
    AfterValidator(check_category_key),
    WithJsonSchema({"type": "string", "description": PATH_HELP}),
]
"""A reference to a category by key: ``"Footwear/Trail"`` or ``"channel:2/Footwear"``."""
