from __future__ import annotations

from reconciler.kinds.base import UniqueValue
from reconciler.kinds.brand import Brand, BrandKind
from tests.kinds.helpers import assert_rejected

KIND = BrandKind()


def test_a_full_brand_validates_and_keeps_only_declared_fields() -> None:
    brand = Brand.model_validate(
        {
            "name": "Summit Gear",
            "page_title": "Summit Gear",
            "meta_keywords": ["climbing", "alpine"],
            "custom_url": "/brands/summit/",
            "image_url": "https://cdn.example.com/summit.png",
        }
    )
    assert brand.model_fields_set == {
        "name",
        "page_title",
        "meta_keywords",
        "custom_url",
        "image_url",
    }
    assert brand.search_keywords is None
    assert Brand.model_validate({"name": "Bare"}).model_fields_set == {"name"}


def test_key_is_the_name_matched_case_insensitively() -> None:
    brand = Brand(name="Summit Gear")
    assert KIND.key(brand) == "Summit Gear"
    assert KIND.match_key("SUMMIT gear") == KIND.match_key(KIND.key(brand))


def test_constraints() -> None:
    assert_rejected(Brand, {}, ("name",), "Field required")
    assert_rejected(Brand, {"name": ""}, ("name",), "at least 1 character")
    assert_rejected(Brand, {"name": "x" * 256}, ("name",), "at most 255 characters")
    assert_rejected(
        Brand, {"name": "A", "custom_url": "brands/a"}, ("custom_url",), "starting with '/'"
    )
    assert_rejected(Brand, {"name": "A", "custom_url": "/a b/"}, ("custom_url",), "storefront path")
    assert_rejected(Brand, {"name": "A", "image_url": "ftp://x/y.png"}, ("image_url",), "http")
    assert_rejected(Brand, {"name": "A", "colour": "red"}, ("colour",), "Extra inputs")


def test_custom_url_is_unique_across_entities() -> None:
    brand = Brand(name="A", custom_url="/Brands/A/")
    assert list(KIND.unique_values(brand)) == [
        UniqueValue("custom URL", "/brands/a", "/Brands/A/", ("custom_url",))
    ]
    assert list(KIND.unique_values(Brand(name="B"))) == []
    assert list(KIND.references(brand)) == []
    assert list(KIND.files(brand)) == []
