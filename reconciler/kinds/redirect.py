"""301 redirects: ``content/redirects`` (usually lists), matched by source path and site.

``site_id`` absent means the store's default site, whatever its id in each store (the
adapter asks the store: ``default_site_id`` in ``GET /v2/store``, typically 1000). A given
``site_id`` is that exact site: no id is special, since site ids are the store's own.
The key is ``from_path`` when ``site_id`` is absent and ``site:<id><from_path>`` when it
is given (``"site:1001/old-boots/"``). Keeping the default site out of the key keeps the
common case readable; a ``from_path`` always starts with ``/``, so the prefixed form
cannot be mistaken for a path.

Prefer leaving ``site_id`` out for the default site, so the same YAML fits every store.
Naming the default site by its id works too: the adapter then keys the live redirect the
same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from reconciler.kinds.base import ItemModel, Kind, Reference, UniqueValue
from reconciler.kinds.category import check_category_key
from reconciler.kinds.fields import Link, Part, StorePath

TARGET_KINDS = ("product", "category", "brand", "page")


class RedirectTarget(Part):
    """Where a redirect goes: an item by natural key (SKU, category path, brand name,
    page url) or, for ``type: url``, any URL or path."""

    type: Literal["product", "category", "brand", "page", "url"]
    key: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    url: Link | None = None

    @model_validator(mode="after")
    def _key_or_url(self) -> RedirectTarget:
        if self.type == "url":
            if self.url is None or self.key is not None:
                raise ValueError("a redirect to type url needs url (and no key)")
        elif self.key is None or self.url is not None:
            raise ValueError(
                f"a redirect to a {self.type} needs key (the {self.type}'s"
                f" {_KEY_NAMES[self.type]}) and no url"
            )
        elif self.type == "category":
            check_category_key(self.key)
        elif self.type == "page" and not self.key.startswith("/"):
            raise ValueError(f"a page key is its url and starts with '/', not {self.key!r}")
        return self


_KEY_NAMES = {"product": "SKU", "category": "path", "brand": "name", "page": "url"}


class Redirect(ItemModel):
    """A storefront redirect (``redirects.v3.yml``)."""

    from_path: StorePath
    site_id: Annotated[int, Field(ge=1)] | None = None
    """The site (storefront) it belongs to; absent means the store's default site."""
    to: RedirectTarget

    @model_validator(mode="after")
    def _not_to_itself(self) -> Redirect:
        if self.to.type == "url" and self.to.url == self.from_path:
            raise ValueError(f"redirect from {self.from_path} points to itself")
        return self


class RedirectKind(Kind[Redirect]):
    """Redirects refer to their target item, so they apply after products, categories,
    brands and pages."""

    name = "redirect"
    plural = "redirects"
    directory = "content/redirects"
    model = Redirect
    key_fields = ("from_path",)
    depends_on = ("product", "category", "brand", "page")

    def key(self, item: Redirect) -> str:
        if item.site_id is None:
            return item.from_path
        return f"site:{item.site_id}{item.from_path}"

    def unique_values(self, item: Redirect) -> Iterable[UniqueValue]:
        # redirects.v3.yml:489: a redirect with the from_path and site_id of another
        # overwrites it, and storefront paths are matched ignoring case: of two such
        # declarations only the last would survive an apply.
        yield UniqueValue(
            "redirect from_path",
            f"{item.site_id or ''}\x00{item.from_path.casefold()}",
            item.from_path,
            ("from_path",),
            "BigCommerce keeps one redirect per path and site (ignoring case), the second"
            " would overwrite the first; keep one of them",
        )

    def references(self, item: Redirect) -> Iterable[Reference]:
        if item.to.type != "url" and item.to.key is not None:
            yield Reference(item.to.type, item.to.key, ("to", "key"))
