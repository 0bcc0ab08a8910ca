from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.kinds.base import Reference
from reconciler.kinds.category import (
    PATH_PATTERN,
    Category,
    CategoryKind,
    join_path,
    parse_path,
    split_path,
)
from tests.kinds.helpers import assert_rejected

KIND = CategoryKind()


def test_a_category_validates() -> None:
    category = Category.model_validate(
        {
            "path": "Footwear/Trail",
            "description": "<p>Trail shoes</p>",
            "is_visible": True,
            "sort_order": 2,
            "default_product_sort": "best_selling",
            "meta_keywords": ["trail"],
            "custom_url": "/footwear/trail/",
        }
    )
    assert category.name == "Trail"
    assert category.parent_path == "Footwear"
    assert category.channel_id is None


def test_key_and_parent_reference() -> None:
    category = Category(path="Footwear/Trail/Winter")
    assert KIND.key(category) == "Footwear/Trail/Winter"
    assert list(KIND.references(category)) == [Reference("category", "Footwear/Trail", ("path",))]
    assert list(KIND.references(Category(path="Footwear"))) == []


def test_other_trees_prefix_the_key_with_their_channel() -> None:
    category = Category(path="Footwear/Trail", channel_id=2)
    assert KIND.key(category) == "channel:2/Footwear/Trail"
    assert list(KIND.references(category)) == [
        Reference("category", "channel:2/Footwear", ("path",))
    ]
    # The default tree's channel 1 keeps the plain path.
    assert KIND.key(Category(path="Footwear", channel_id=1)) == "Footwear"


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("", "empty name"),
        ("/Footwear", "empty name"),
        ("Footwear/", "empty name"),
        ("Footwear//Trail", "empty name"),
        ("Footwear/ Trail", "leading or trailing spaces"),
        ("A/" + "x" * 51, "the limit is 50"),
        ("/".join("abcdefghi"), "at most 8"),
        ("channel:2/Shoes", "root category may not be named"),
    ],
)
def test_bad_paths_are_rejected(path: str, fragment: str) -> None:
    assert_rejected(Category, {"path": path}, ("path",), fragment)


def test_depth_eight_is_allowed() -> None:
    assert Category(path="/".join("abcdefgh")).path.count("/") == 7


def test_constraints() -> None:
    assert_rejected(
        Category,
        {"path": "A", "default_product_sort": "random"},
        ("default_product_sort",),
        "use_store_settings",
    )
    assert_rejected(
        Category, {"path": "A", "channel_id": 0}, ("channel_id",), "greater than or equal to 1"
    )
    assert_rejected(
        Category, {"path": "A", "page_title": "x" * 256}, ("page_title",), "at most 255"
    )
    assert_rejected(Category, {"path": "A", "name": "A"}, ("name",), "Extra inputs")


def test_custom_url_joins_the_shared_namespace() -> None:
    values = list(KIND.unique_values(Category(path="A", custom_url="/a/")))
    assert ("custom URL", "/a") in [(v.namespace, v.value) for v in values]


def test_a_slash_inside_a_name_is_escaped() -> None:
    category = Category(path=r"Outdoor/Tents\/Tarps?")
    assert category.name == "Tents/Tarps?"
    assert category.parent_path == "Outdoor"
    assert split_path(r"A\\/B") == ["A\\", "B"]
    nested = Category(path=r"Tents\/Tarps?/Sale")
    assert list(KIND.references(nested)) == [Reference("category", r"Tents\/Tarps?", ("path",))]


def test_a_lone_backslash_is_refused() -> None:
    assert_rejected(Category, {"path": r"Outdoor/C:\Tents"}, ("path",), "lone backslash")
    assert_rejected(Category, {"path": "Outdoor\\"}, ("path",), "lone backslash")


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8))
def test_paths_round_trip_through_escaping(names: list[str]) -> None:
    path = join_path(names)
    assert parse_path(path) == names
    assert re.fullmatch(PATH_PATTERN, path) is not None


def test_search_keywords_and_custom_url_are_held_to_255_characters() -> None:
    # category-trees_catalog.v3.yml: search_keywords and url.path maxLength 255 (a 422 else)
    assert_rejected(Category, {"path": "A", "search_keywords": "k" * 256}, ("search_keywords",),
                    "at most 255")
    assert_rejected(Category, {"path": "A", "custom_url": "/" + "u" * 255}, ("custom_url",),
                    "at most 255")
    Category(path="A", search_keywords="k" * 255, custom_url="/" + "u" * 254)
