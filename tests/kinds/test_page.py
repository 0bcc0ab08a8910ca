from __future__ import annotations

from typing import Any

import pytest

from reconciler.kinds.base import Reference, UniqueValue
from reconciler.kinds.page import Page, PageKind
from tests.kinds.helpers import assert_rejected

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
