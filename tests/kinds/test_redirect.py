from __future__ import annotations

from typing import Any

import pytest

from reconciler.kinds.base import Reference
from reconciler.kinds.redirect import Redirect, RedirectKind
from tests.kinds.helpers import assert_rejected

KIND = RedirectKind()


@pytest.mark.parametrize(
    ("to", "reference"),
    [
        ({"type": "product", "key": "TRAIL-01"}, Reference("product", "TRAIL-01", ("to", "key"))),
        (
            {"type": "category", "key": "Footwear/Trail"},
            Reference("category", "Footwear/Trail", ("to", "key")),
        ),
        ({"type": "brand", "key": "Summit"}, Reference("brand", "Summit", ("to", "key"))),
        ({"type": "page", "key": "/about/"}, Reference("page", "/about/", ("to", "key"))),
        ({"type": "url", "url": "https://example.com/x"}, None),
    ],
)
def test_targets_and_their_references(to: dict[str, Any], reference: Reference | None) -> None:
    redirect = Redirect.model_validate({"from_path": "/old/", "to": to})
    assert list(KIND.references(redirect)) == ([reference] if reference else [])


def test_key_includes_the_site_only_when_given() -> None:
    to = {"type": "url", "url": "/new/"}
    # Absent: the store's default site, whatever its id there (typically 1000).
    default = Redirect.model_validate({"from_path": "/old/", "to": to})
    assert default.site_id is None and KIND.key(default) == "/old/"
    # Given: that exact site. No id is special: 1 is not "the default site".
    for site_id in (1, 1000, 1001):
        redirect = Redirect.model_validate({"from_path": "/old/", "site_id": site_id, "to": to})
        assert KIND.key(redirect) == f"site:{site_id}/old/"
    assert KIND.match_key("site:1/old/") != KIND.match_key("/old/")


@pytest.mark.parametrize(
    ("data", "loc", "fragment"),
    [
        (
            {"from_path": "old", "to": {"type": "url", "url": "/n/"}},
            ("from_path",),
            "starting with '/'",
        ),
        ({"from_path": "/o/", "to": {"type": "url"}}, ("to",), "type url needs url"),
        (
            {"from_path": "/o/", "to": {"type": "url", "url": "/n/", "key": "x"}},
            ("to",),
            "type url needs url (and no key)",
        ),
        ({"from_path": "/o/", "to": {"type": "product"}}, ("to",), "needs key (the product's SKU)"),
        (
            {"from_path": "/o/", "to": {"type": "brand", "key": "B", "url": "/b/"}},
            ("to",),
            "and no url",
        ),
        ({"from_path": "/o/", "to": {"type": "category", "key": "A//B"}}, ("to",), "empty name"),
        ({"from_path": "/o/", "to": {"type": "page", "key": "about"}}, ("to",), "starts with '/'"),
        ({"from_path": "/o/", "to": {"type": "post", "key": "x"}}, ("to", "type"), "'product'"),
        ({"from_path": "/o/", "to": {"type": "url", "url": "/o/"}}, (), "points to itself"),
        (
            {"from_path": "/o/", "site_id": 0, "to": {"type": "url", "url": "/n/"}},
            ("site_id",),
            "greater than or equal to 1",
        ),
        ({"from_path": "/o/"}, ("to",), "Field required"),
        (
            {"from_path": "/o/", "to": {"type": "url", "url": "/" * 2049}},
            ("to", "url"),
            "at most 2048",
        ),
        ({"from_path": "/o/", "to": {"type": "url", "url": "new-page"}}, ("to", "url"), "'/'"),
        ({"from_path": "/o/", "to": {"type": "url", "url": "/a b/"}}, ("to", "url"), "whitespace"),
    ],
)
def test_rules(data: dict[str, Any], loc: tuple[Any, ...], fragment: str) -> None:
    assert_rejected(Redirect, data, loc, fragment)


def test_dependencies() -> None:
    assert set(KIND.depends_on) == {"product", "category", "brand", "page"}
