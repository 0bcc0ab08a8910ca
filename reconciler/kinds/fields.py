"""Field types and checks shared by the kind models.

Limits come from BigCommerce's OpenAPI descriptions (``products_catalog.v3.yml`` and
friends); the comment on each type names its source. Every type here only *constrains*
a value the user wrote: none of them supplies a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from reconciler.kinds.base import DeclaredModel, FieldPath, UniqueValue

INT32_MAX = 2_147_483_647


class Part(DeclaredModel):
    """A nested part of an item (a variant, an image, a rule): same strictness as items."""


# Money: BigCommerce stores 4 decimal places and rejects negative prices.
Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=4)]
# Weight and dimensions: products_catalog.v3.yml gives 0..9999999999.
Measure = Annotated[Decimal, Field(ge=0, le=Decimal(9_999_999_999), decimal_places=4)]
StockLevel = Annotated[int, Field(ge=0, le=INT32_MAX)]
SortOrder = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
ChannelId = Annotated[int, Field(ge=1, le=INT32_MAX)]

Str255 = Annotated[str, StringConstraints(max_length=255)]
Name255 = Annotated[str, StringConstraints(min_length=1, max_length=255)]
LongText = Annotated[str, StringConstraints(max_length=65535)]
# gtin and upc: maxLength 14 in the product and variant schemas.
Code14 = Annotated[str, StringConstraints(max_length=14)]
# meta_keywords: an array of strings (the spec bounds only the joined length).
Keywords = list[Annotated[str, StringConstraints(max_length=65535)]]


def _check_url_path(value: str) -> str:
    # brands_catalog.v3.yml custom_url.url: letters, digits, . - _ and / in segments of
    # 1-256 characters; the same rule holds for category and product custom URLs.
    if not re.fullmatch(r"(/[A-Za-z0-9\-_.]{1,256})*/?", value) or not value.startswith("/"):
        raise ValueError(
            "must be a storefront path starting with '/' made of letters, digits, '.', '-', '_'"
            " in '/'-separated segments, e.g. '/brands/summit/'"
        )
    return value


# A storefront URL path used as a brand's custom URL (<= 1024 characters per the brand spec).
UrlPath = Annotated[
    str, StringConstraints(min_length=1, max_length=1024), AfterValidator(_check_url_path)
]
# A product's or category's custom URL: custom_url.url and url.path are maxLength 255 in
# products_catalog.v3.yml and category-trees_catalog.v3.yml.
CatalogUrlPath = Annotated[
    str, StringConstraints(min_length=1, max_length=255), AfterValidator(_check_url_path)
]


def _check_page_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"must be a path starting with '/', e.g. '/{value.lstrip('/')}'")
    if any(ch.isspace() for ch in value):
        raise ValueError("must not contain whitespace (percent-encode it)")
    return value


# A storefront path (pages, redirect sources): looser than UrlPath, any printable characters.
StorePath = Annotated[
    str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_check_page_path)
]


def _check_http_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


HttpUrl = Annotated[str, StringConstraints(max_length=255), AfterValidator(_check_http_url)]


def _check_https_url(value: str) -> str:
    if not re.fullmatch(r"https://[^\s/]+(/\S*)?", value):
        raise ValueError("must be an absolute https:// URL")
    return value


HttpsUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_check_https_url)]


def _check_link(value: str) -> str:
    if not (value.startswith("/") or re.fullmatch(r"https?://[^\s/]+(/\S*)?", value)):
        raise ValueError("must be a storefront path starting with '/' or an http(s):// URL")
    if any(ch.isspace() for ch in value):
        raise ValueError("must not contain whitespace (percent-encode it)")
    return value


Link = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_check_link)]
"""Where a link page or a redirect points: a storefront path or an http(s) URL."""

ENV_VAR_PATTERN = r"^[A-Z_][A-Z0-9_]*$"


def _check_env_name(value: str) -> str:
    if not re.fullmatch(ENV_VAR_PATTERN, value):
        raise ValueError(
            f"{value[:3]}… is not an environment variable name: write the NAME of the variable"
            " holding the secret (upper case, digits, '_', e.g. BC_PRODUCTION_TOKEN),"
            " never the secret itself"
        )
    return value


EnvVarName = Annotated[
    str,
    AfterValidator(_check_env_name),
    WithJsonSchema({"type": "string", "pattern": ENV_VAR_PATTERN}),
]
"""The *name* of an environment variable holding a secret (never the secret itself)."""

T = TypeVar("T")


def repeats(items: Iterable[T], key: Callable[[T], Hashable]) -> list[tuple[int, int]]:
    """``(index, first)`` for every item whose ``key`` an earlier item (at ``first``) had."""
    seen: dict[Hashable, int] = {}
    found: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        value = key(item)
        if value in seen:
            found.append((index, seen[value]))
        else:
            seen[value] = index
    return found


class Problems:
    """Problems found by one validator, each at its own place: raised together as one
    :class:`ValidationError`, so that ten repeated option values are ten messages, each
    on the line of its repeat (a plain ``ValueError`` stops at the first and points at the
    whole list). Locations are relative to the validated value (a field validator) or
    model (a model validator); pydantic prefixes the rest."""

    def __init__(self, title: str) -> None:
        self._title = title
        self._errors: list[InitErrorDetails] = []

    def add(
        self, loc: FieldPath, message: str, value: Any = None, first: FieldPath | None = None
    ) -> None:
        """A problem at ``loc``; ``first``: where the entry it repeats is (same base as
        ``loc``), so that the message can name that place's line too."""
        context: dict[str, Any] = {"message": message}
        if first is not None:
            context |= {"at": loc, "first": first}
        self._errors.append(
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{message}", context),
                loc=loc,
                input=value,
            )
        )

    def repeats(
        self,
        items: Sequence[T],
        key: Callable[[T], Hashable],
        loc: Callable[[int], FieldPath],
        message: Callable[[T, int], str],
    ) -> None:
        """One problem per repeated item (by ``key``), at ``loc(index)``; ``message``
        gets the repeat and the index of the entry it repeats."""
        for index, first in repeats(items, key):
            self.add(loc(index), message(items[index], first), key(items[index]), loc(first))

    def raise_any(self) -> None:
        if self._errors:
            raise ValidationError.from_exception_data(self._title, self._errors)


def is_url(value: str) -> bool:
    """Whether an image reference is a URL (else it is a repository file)."""
    return value.startswith(("http://", "https://"))


def check_relative_file(value: str) -> str:
    """A repository file path relative to the declaring YAML file."""
    if value.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", value):
        raise ValueError("must be a path relative to the YAML file, not an absolute path")
    if "\\" in value:
        raise ValueError("must use '/' as the path separator")
    if not value.strip():
        raise ValueError("must not be empty")
    return value


RelativeFile = Annotated[
    str, StringConstraints(max_length=1024), AfterValidator(check_relative_file)
]


def custom_url_value(url: str, path: tuple[str | int, ...] = ("custom_url",)) -> UniqueValue:
    """A storefront URL in the shared ``"custom URL"`` namespace.

    BigCommerce refuses a custom URL already used by any other product, category, brand or
    page; trailing slashes and case do not make two URLs different.
    """
    return UniqueValue("custom URL", url.rstrip("/").casefold() or "/", url, path)
