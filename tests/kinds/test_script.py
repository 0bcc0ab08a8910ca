from __future__ import annotations

from typing import Any

import pytest

from reconciler.kinds.script import Script, ScriptKind
from tests.kinds.helpers import assert_rejected, rejected

KIND = ScriptKind()
SRC = {"name": "Analytics", "kind": "src", "src": "https://cdn.example.com/a.js"}
TAG = {"name": "Chat", "kind": "script_tag", "html": "<script>startChat()</script>"}


def test_both_kinds_validate() -> None:
    full = Script.model_validate(
        SRC
        | {
            "location": "head",
            "visibility": "all_pages",
            "load_method": "defer",
            "consent_category": "analytics",
            "enabled": True,
            "auto_uninstall": True,
            "channel_id": 1,
            "integrity_hashes": [
                "sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"
            ],
        }
    )
    assert full.load_method == "defer"
    assert KIND.key(full) == "Analytics"
    assert Script.model_validate(TAG).html == "<script>startChat()</script>"


@pytest.mark.parametrize(
    ("data", "loc", "fragment"),
    [
        ({"name": "A", "src": "https://x.io/a.js"}, ("kind",), "Field required"),
        (SRC | {"src": "http://x.io/a.js"}, ("src",), "https://"),
        (
            SRC | {"html": "<script></script>"},
            (),
            "kind src needs src (an https:// URL) and no html",
        ),
        ({"name": "A", "kind": "src"}, (), "kind src needs src"),
        (TAG | {"src": "https://x.io/a.js"}, (), "kind script_tag needs html"),
        (
            TAG | {"html": "<script>a()</script><script>b()</script>"},
            (),
            "exactly one <script> tag (found 2)",
        ),
        (TAG | {"html": "alert(1)"}, (), "found 0"),
        (
            TAG | {"integrity_hashes": ["sha256-abc="]},
            (),
            "integrity_hashes apply to src scripts only",
        ),
        (SRC | {"integrity_hashes": ["md5-abc"]}, ("integrity_hashes", 0), "pattern"),
        (SRC | {"location": "body"}, ("location",), "'head' or 'footer'"),
        (SRC | {"visibility": "everywhere"}, ("visibility",), "storefront"),
        (SRC | {"load_method": "lazy"}, ("load_method",), "'default', 'async' or 'defer'"),
        (SRC | {"consent_category": "marketing"}, ("consent_category",), "essential"),
        (SRC | {"name": ""}, ("name",), "at least 1"),
        (TAG | {"html": "<script>" + "x" * 65536 + "</script>"}, ("html",), "at most 65536"),
    ],
)
def test_rules(data: dict[str, Any], loc: tuple[Any, ...], fragment: str) -> None:
    assert_rejected(Script, data, loc, fragment)


def test_a_script_tag_loads_the_default_way_only() -> None:
    # scripts.v3.yml: for script_tag "the load_method must be default".
    assert Script.model_validate(TAG | {"load_method": "default"}).load_method == "default"
    for method in ("async", "defer"):
        assert Script.model_validate(SRC | {"load_method": method}).load_method == method
        assert rejected(Script, TAG | {"load_method": method}) == [
            (
                ("load_method",),
                f"Value error, load_method {method} applies to src scripts only: BigCommerce"
                " adds a script_tag's html to the page as written and refuses any load_method"
                " but default; remove it, or use kind src with the script's URL",
            )
        ]


def test_src_and_html_may_carry_secret_references() -> None:
    Script.model_validate(SRC | {"src": "https://cdn.example.com/a.js?key={env: CDN_KEY}"})
    Script.model_validate(TAG | {"html": "<script>startChat('{env: CHAT_KEY}')</script>"})
    assert_rejected(Script, SRC | {"src": "https://cdn.example.com/ a.js?key={env: CDN_KEY}"},
                    ("src",), "https://")
