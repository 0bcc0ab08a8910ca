from __future__ import annotations

from typing import Any

import pytest

from reconciler.kinds.base import Reference, UniqueValue
from reconciler.kinds.page import Page, PageKind
from tests.kinds.helpers import assert_rejected, rejected

KIND = PageKind()


def page(**extra: Any) -> dict[str, Any]:
    return {"url": "/about/", "name": "About us", "type": "page", "body": "<p>Hi</p>"} | extra


def test_pages_of_every_type_validate() -> None:
    assert Page.model_validate(page()).body == "<p>Hi</p>"
    assert Page.model_validate(page(type="raw", body="<html></html>")).type == "raw"
    link = Page.model_validate(
        {"url": "/blog-link/", "name": "Blog", "type": "link", "link": "https://blog.example.com"}
    )
    assert link.link == "https://blog.example.com"
    contact = Page.model_validate(
        {
            "url": "/contact/",
            "name": "Contact",
            "type": "contact_form",
            "email": "help@example.com",
            "contact_fields": ["fullname", "phone"],
        }
    )
    assert contact.contact_fields == ["fullname", "phone"]


@pytest.mark.parametrize(
    ("data", "loc", "fragment"),
    [
        (page(url="about"), ("url",), "starting with '/'"),
        (page(name="x" * 101), ("name",), "at most 100"),
        (page(type="blog"), ("type",), "'page', 'raw', 'contact_form' or 'link'"),
        ({"url": "/a/", "name": "A", "type": "page"}, (), "a page page needs a body"),
        ({"url": "/a/", "name": "A", "type": "raw"}, (), "a raw page needs a body"),
        ({"url": "/a/", "name": "A", "type": "link"}, (), "a link page needs link"),
        (
            {"url": "/a/", "name": "A", "type": "link", "link": "https://x.io", "body": "b"},
            (),
            "a link page has no body",
        ),
        (page(link="https://x.io"), (), "link applies only to link pages"),
        (page(email="a@b.io"), (), "email applies only to contact_form pages"),
        (page(contact_fields=["phone"]), (), "contact_fields applies only to contact_form"),
        (
            {"url": "/c/", "name": "C", "type": "contact_form", "contact_fields": ["fax"]},
            ("contact_fields", 0),
            "'fullname'",
        ),
        (
            {"url": "/c/", "name": "C", "type": "contact_form", "contact_fields": ["rma", "rma"]},
            (),
            "more than once",
        ),
        (
            {"url": "/c/", "name": "C", "type": "contact_form", "email": "not-an-address"},
            ("email",),
            "pattern",
        ),
        (page(parent="/about/"), (), "its own parent"),
        (
            {"url": "/a/", "name": "A", "type": "link", "link": "blog"},
            ("link",),
            "storefront path starting with '/' or an http(s):// URL",
        ),
        (page(parent_id=3), ("parent_id",), "Extra inputs"),
    ],
)
def test_rules(data: dict[str, Any], loc: tuple[Any, ...], fragment: str) -> None:
    assert_rejected(Page, data, loc, fragment)


LINK = {"url": "/journal/", "name": "Journal", "type": "link", "link": "https://blog.example.com"}
CONTACT = {"url": "/contact/", "name": "Contact", "type": "contact_form"}
SEO = {
    "meta_title": "Title",
    "meta_description": "Description",
    "meta_keywords": "a,b",
    "search_keywords": "c,d",
}


def test_a_raw_page_needs_a_body_with_content() -> None:
    # pages.v3.yml requires a body for raw pages; BigCommerce refuses an empty one.
    for body in ("", "  \n"):
        assert rejected(Page, page(type="raw", body=body)) == [
            (
                ("body",),
                "Value error, a raw page needs a non-empty body (its HTML): BigCommerce"
                " refuses a raw page whose body is empty",
            )
        ]
    # The spec requires a body for raw pages only: a plain page's may be empty.
    assert Page.model_validate(page(body="")).body == ""


def test_each_type_takes_only_the_seo_fields_it_keeps() -> None:
    assert Page.model_validate(page(**SEO)).meta_keywords == "a,b"
    assert Page.model_validate(CONTACT | SEO).search_keywords == "c,d"
    # A raw page keeps search_keywords (typeRaw has searchKeywords) but no meta fields.
    assert Page.model_validate(page(type="raw", search_keywords="c,d")).search_keywords == "c,d"
    for name in ("meta_title", "meta_description", "meta_keywords"):
        assert rejected(Page, page(type="raw", **{name: SEO[name]})) == [
            (
                (name,),
                f"Value error, {name} does not apply to raw pages: BigCommerce does not store"
                " it for a raw page (only for page or contact_form pages), so a value here"
                " would show as a change on every plan; remove it",
            )
        ]
    # A link page keeps none of them.
    assert rejected(Page, LINK | {"search_keywords": "c,d"}) == [
        (
            ("search_keywords",),
            "Value error, search_keywords does not apply to link pages: BigCommerce does not"
            " store it for a link page (only for page, contact_form or raw pages), so a value"
            " here would show as a change on every plan; remove it",
        )
    ]
    # Every misplaced field is reported, each at its own line; an empty value too.
    errors = rejected(Page, LINK | SEO | {"meta_title": ""})
    assert [where for where, _ in errors] == [(name,) for name in SEO]
    # null (an overlay unsetting a field) is not a value.
    assert Page.model_validate(LINK | {"meta_title": None}).meta_title is None


def test_key_references_and_unique_values() -> None:
    item = Page.model_validate(page(url="/about/team/", name="Our Team", parent="/about/"))
    assert KIND.key(item) == "/about/team/"
    assert list(KIND.references(item)) == [Reference("page", "/about/", ("parent",))]
    assert list(KIND.unique_values(item)) == [
        UniqueValue("page name", "our team", "Our Team", ("name",))
    ]
    contact = Page.model_validate(
        {"url": "/c/", "name": "C", "type": "contact_form", "email": "Help@Example.com"}
    )
    assert UniqueValue(
        "contact form email", "help@example.com", "Help@Example.com", ("email",)
    ) in list(KIND.unique_values(contact))
