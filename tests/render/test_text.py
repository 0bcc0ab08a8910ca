"""The terminal renderer."""

from __future__ import annotations

import unicodedata
from io import StringIO

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from reconciler.plan.model import ABSENT, Change, FieldChange, KindSafety, Plan, Safety
from reconciler.render import plain_text, render_text
from tests.render.helpers import sample_plan


def test_changes_read_like_terraform() -> None:
    text = plain_text(sample_plan())
    assert text.startswith("Plan for production (store abc123)\n")
    assert "  + create brand Summit  (catalog/brands/brands.yaml:3:5)\n" in text
    assert "  ~ update product TRAIL-01  Trail Runner\n" in text
    assert "      price: $89.00 → $79.00\n" in text
    assert "      variants[TRAIL-01-9].inventory_level: 4 → 6\n" in text
    assert "      + variants[TRAIL-01-10]\n" in text
    assert "      - images[1]\n" in text
    assert "      sale_price: null → $150.50\n" in text
    assert "  ! blocked delete product KEEP-1  Heirloom: protect: true" in text
    assert "  - delete page /old-sale/  Old sale\n" in text
    assert "Upload theme Ridgeline version 1.1.0 and activate variation Light" in text
    assert "product  2 to update · 1 blocked · 38 unchanged\n" in text
    assert "Plan: 1 to create, 3 to update, 1 to delete, 1 blocked.\n" in text
    assert text.endswith("Safety: ok\n")


def test_colour_only_on_a_terminal() -> None:
    buffer = StringIO()
    Console(file=buffer, force_terminal=True, color_system="standard").print(
        render_text(sample_plan()), end=""
    )
    assert "\x1b[" in buffer.getvalue()
    assert "\x1b[" not in plain_text(sample_plan())


def test_blocked_and_forced_verdicts() -> None:
    blocked = Safety((KindSafety("product", 20, 10, 0, 0.3, 0.3, 10,
                                 ("would update 10 of 20 products (50%), more than the 30%"
                                  " allowed",)),))
    text = plain_text(sample_plan(safety=blocked))
    assert "Safety: BLOCKED\n  would update 10 of 20 products (50%)" in text
    assert "--force REASON" in text
    forced = plain_text(sample_plan(safety=Safety(blocked.kinds, forced_reason="sale")))
    assert "Safety: forced (sale)\n" in forced


def test_no_changes() -> None:
    plan = Plan("uat", "", (), {"product": 3, "brand": 2},
                kinds=("brand", "product"))
    text = plain_text(plan)
    assert "No changes: 5 items are up to date.\n" in text


# --- escaping -----------------------------------------------------------------------------
FORGED = "Gift card\n\nNo changes: 7 items are up to date."


def _plan_of(*changes: Change) -> Plan:
    return sample_plan(changes=changes, unchanged={"product": 7})


def test_a_name_cannot_forge_plan_lines() -> None:
    change = Change("product", "GIFT-1", "create", FORGED,
                    (FieldChange(("name",), ABSENT, FORGED),), desired={"name": FORGED})
    text = plain_text(_plan_of(change))
    assert "No changes" not in text.replace("\\n\\nNo changes", "")
    assert "  + create product GIFT-1  Gift card\\n\\nNo changes: 7 items are up to date.\n" in text
    assert '      name: "Gift card\\n\\nNo changes: 7 items are up to date."\n' in text


def test_tabs_newlines_and_controls_in_keys_and_paths_are_escaped() -> None:
    change = Change("product", "TAB\tKEY", "update", "Line\r\nbreak\x1b[31m",
                    (FieldChange(("variants", "V\n1", "price"), "1", "2"),),
                    desired={}, source="catalog/x\n.yaml:1:1")
    text = plain_text(_plan_of(change))
    assert ("  ~ update product TAB\\tKEY  Line\\r\\nbreak\\x1b[31m"
            "  (catalog/x\\n.yaml:1:1)\n") in text
    assert "      variants[V\\n1].price: $1.00 → $2.00\n" in text
    # Every printed line is a line the renderer made: nothing but the layout breaks lines.
    assert all("\t" not in line and "\r" not in line and "\x1b" not in line
               for line in text.splitlines())


def test_bidirectional_and_invisible_characters_show_as_escapes() -> None:
    change = Change("product", "SKU-\u202e1", "update", "Caf\u00e9\u200b",
                    (FieldChange(("name",), "10 kg", "10\u00a0kg"),), desired={})
    text = plain_text(_plan_of(change))
    assert "product SKU-\\u202e1  Caf\u00e9\\u200b\n" in text
    assert '      name: "10 kg" → "10\\xa0kg"\n' in text


def test_emoji_and_accents_print_as_themselves() -> None:
    name = "Caf\u00e9 \U0001f600 \U0001f469\u200d\U0001f4bb e\u0301"
    change = Change("product", "EMOJI-1", "update", name,
                    (FieldChange(("name",), "x", name),), desired={})
    text = plain_text(_plan_of(change))
    assert f"product EMOJI-1  {name}\n" in text


def _one_update(text: str) -> list[str]:
    change = Change("product", text or "K", "update", text or "T",
                    (FieldChange(("variants", text or "V", "name"), text, text + "!"),),
                    desired={}, source=text or "s")
    return plain_text(_plan_of(change)).splitlines()


@given(st.text(max_size=40))
def test_no_value_adds_a_line_or_an_invisible_character(text: str) -> None:
    lines = _one_update(text)
    assert len(lines) == len(_one_update("plain"))
    # Printed as themselves: emoji joiners, and private-use or not yet assigned characters.
    assert all(ch.isprintable() or ch in " \u200d" or unicodedata.category(ch) in ("Co", "Cn")
               for line in lines for ch in line)
