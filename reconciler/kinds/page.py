"""Web pages: ``content/pages``, matched by storefront URL (``pages.v3.yml``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from reconciler.kinds.base import ItemModel, Kind, Reference, UniqueValue
from reconciler.kinds.fields import (
    ChannelId,
    Link,
    LongText,
    Problems,
    SortOrder,
    StorePath,
    Str255,
)

ContactField = Literal["fullname", "companyname", "phone", "orderno", "rma"]
CONTACT_ONLY = ("email", "contact_fields")
PageType = Literal["page", "raw", "contact_form", "link"]
SEO_FIELDS = ("meta_title", "meta_description", "meta_keywords", "search_keywords")
KEPT_BY_TYPE: dict[str, tuple[str, ...]] = {
    "page": SEO_FIELDS,
    "contact_form": SEO_FIELDS,
    "raw": ("search_keywords",),
    "link": (),
}
"""The SEO fields each page type keeps. pages.v3.yml builds ``typePage`` and
``typeContactForm`` from ``pageMeta`` + ``searchKeywords``, ``typeRaw`` from
``searchKeywords`` only, and ``typeLink`` from neither: the store drops the others, so a
value declared there would be planned as a change on every run."""
Email = Annotated[str, StringConstraints(max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Page(ItemModel):
    """A page. ``type`` is required (BigCommerce needs it to create one); ``body`` is
    required for ``page`` and ``raw`` pages, ``link`` for ``link`` pages. A raw page's body
    must have content (BigCommerce refuses an empty one); a ``page`` body may be empty.
    Each type takes only the SEO fields BigCommerce keeps for it: ``page`` and
    ``contact_form`` pages meta_title, meta_description, meta_keywords and
    search_keywords; ``raw`` pages search_keywords only; ``link`` pages none. Blog pages
    are not managed here."""

    # Rules that depend on ``type`` are field validators on a later field, so an error
    # points at the field it concerns rather than at the whole page.

    url: StorePath
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    type: PageType
    body: str | None = None
    link: Link | None = None
    parent: StorePath | None = None
    """The url of the parent page."""
    is_visible: bool | None = None
    sort_order: SortOrder | None = None
    meta_title: Str255 | None = None
    meta_description: LongText | None = None
    meta_keywords: LongText | None = None
    search_keywords: LongText | None = None
    is_homepage: bool | None = None
    is_customers_only: bool | None = None
    channel_id: ChannelId | None = None
    email: Email | None = None
    contact_fields: Annotated[list[ContactField], Field(min_length=1)] | None = None

    @field_validator("body")
    @classmethod
    def _raw_body_has_content(cls, body: str | None, info: ValidationInfo) -> str | None:
        if body is not None and not body.strip() and info.data.get("type") == "raw":
            raise ValueError(
                "a raw page needs a non-empty body (its HTML): BigCommerce refuses a raw page"
                " whose body is empty"
            )
        return body

    @field_validator(*SEO_FIELDS)
    @classmethod
    def _kept_by_type(cls, value: str | None, info: ValidationInfo) -> str | None:
        page_type = info.data.get("type")
        if value is None or page_type is None or info.field_name is None:
            return value
        if info.field_name not in KEPT_BY_TYPE[page_type]:
            keepers = [t for t, kept in KEPT_BY_TYPE.items() if info.field_name in kept]
            listed = f"{', '.join(keepers[:-1])} or {keepers[-1]}"
            raise ValueError(
                f"{info.field_name} does not apply to {page_type} pages: BigCommerce does not"
                f" store it for a {page_type} page (only for {listed} pages),"
                " so a value here would show as a change on every plan; remove it"
            )
        return value

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Page:
        if self.type in ("page", "raw") and self.body is None:
            raise ValueError(f"a {self.type} page needs a body (its HTML)")
        if self.type == "link":
            if self.link is None:
                raise ValueError("a link page needs link (the URL it points to)")
            if self.body is not None:
                raise ValueError("a link page has no body; remove body or change the type")
        elif self.link is not None:
            raise ValueError(f"link applies only to link pages, not {self.type}")
        if self.type != "contact_form":
            given = [f for f in CONTACT_ONLY if getattr(self, f) is not None]
            if given:
                raise ValueError(f"{given[0]} applies only to contact_form pages, not {self.type}")
        problems = Problems("Page")
        problems.repeats(
            self.contact_fields or [],
            lambda f: f,
            lambda i: ("contact_fields", i),
            lambda f, _: f"contact_fields lists {f} more than once",
        )
        problems.raise_any()
        if self.parent is not None and self.parent == self.url:
            raise ValueError("a page cannot be its own parent")
        return self


class PageKind(Kind[Page]):
    """Pages refer to their parent page by url; names are unique (case-insensitively)."""

    name = "page"
    plural = "pages"
    directory = "content/pages"
    model = Page
    key_fields = ("url",)

    def references(self, item: Page) -> Iterable[Reference]:
        if item.parent is not None:
            yield Reference("page", item.parent, ("parent",))

    def unique_values(self, item: Page) -> Iterable[UniqueValue]:
        yield UniqueValue("page name", item.name.casefold(), item.name, ("name",))
        if item.email is not None:
            # pages.v3.yml: the contact form's email "Must be unique".
            yield UniqueValue("contact form email", item.email.casefold(), item.email, ("email",))
