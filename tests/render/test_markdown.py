"""The pull-request comment: merchant wording, sections, and GitHub's size limit."""

from __future__ import annotations

import re

from reconciler.plan.model import ABSENT, Change, FieldChange, Plan
from reconciler.render import render_markdown
from reconciler.render.markdown import GITHUB_LIMIT
from tests.render.helpers import sample_plan


def test_summary_first_then_a_table_and_a_section_per_kind() -> None:
    text = render_markdown(sample_plan())
    lines = text.splitlines()
    assert lines[0] == "### StagingPro plan for <code>production</code> (store <code>abc123</code>)"
    assert lines[2] == (
        "**1 new brand · 2 products change price · 1 product changes stock · 1 product changes"
        " other details · 1 product kept (protected) · 1 page removed · 1 theme changes other"
        " details**"
    )
    assert "| Products | · | 2 | · | 1 | 38 |" in text
    assert text.index("| Kind |") < text.index("<details>")
    assert text.count("<details>") == text.count("</details>") == 4
    assert "<summary><b>Products</b>: 2 to update, 1 blocked</summary>" in text
    assert "| ✏️ update | <code>TRAIL-01</code> | Trail Runner | price: $89.00 → $79.00<br>" in text
    assert "🔒 blocked delete" in text
    assert "Upload theme Ridgeline version 1.1.0 and activate variation Light" in text


def test_cells_cannot_break_the_table() -> None:
    change = Change("product", "A|B", "update", "Pipe | <b>name</b>",
                    (FieldChange(("name",), "x|y", "a\nb"),), desired={})
    text = render_markdown(sample_plan(changes=(change,)))
    row = next(line for line in text.splitlines() if "A&#124;B" in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four cells, five unescaped pipes
    assert "&lt;b&gt;name&lt;/b&gt;" in row


def test_a_backslash_stays_visible() -> None:
    # Markdown reads "\\/" as "/": the escaped '/' of a category name would vanish.
    change = Change("category", r"Outdoor/Tents\/Tarps?", "create", r"Outdoor/Tents\/Tarps?",
                    (FieldChange(("path",), ABSENT, r"Outdoor/Tents\/Tarps?"),),
                    desired={"path": r"Outdoor/Tents\/Tarps?"})
    text = render_markdown(sample_plan(changes=(change,)))
    assert "<code>Outdoor/Tents&#92;/Tarps?</code> | Outdoor/Tents&#92;/Tarps? |" in text
    assert "\\/" not in text


def test_no_changes_is_one_short_line() -> None:
    plan = Plan("uat", "", (), {"product": 3}, kinds=("product",))
    assert render_markdown(plan) == (
        "### ✅ StagingPro plan for <code>uat</code>: no changes\n\n3 items are up to date.\n"
    )


def test_a_huge_plan_stays_within_the_comment_limit_and_says_what_it_left_out() -> None:
    changes = tuple(
        Change("product", f"SKU-{i:05d}", "update", f"Product number {i}",
               tuple(FieldChange(("variants", f"SKU-{i:05d}-{v}", "price"), "10", "12")
                     for v in range(12)), desired={})
        for i in range(20_000)
    ) + tuple(Change("page", f"/p{i}/", "create", "", (FieldChange(("name",), ABSENT, "x"),),
                     desired={}) for i in range(50))
    text = render_markdown(sample_plan(changes=changes, kinds=("product", "page")))
    assert len(text) <= GITHUB_LIMIT
    assert text.count("<details>") == text.count("</details>")
    assert "**20000 products change price · 50 new pages**" in text
    assert "… and 5 more changes" in text
    shown = text.count("| ✏️ update |")
    assert 100 < shown < 20_000
    assert f"changes to {20_000 - shown} products, 50 pages." in text


def test_line_breaks_and_invisible_characters_in_keys_titles_and_values_are_escaped() -> None:
    change = Change("product", "SKU\n| x |", "update", "Gift card\r\n\nNo changes\u202e",
                    (FieldChange(("variants", "V\n1", "name"), "a\u2028b", "10\u00a0kg"),),
                    desired={})
    text = render_markdown(sample_plan(changes=(change,), selection=("--only", "x`\ny")))
    row = next(line for line in text.splitlines() if "<code>SKU" in line)
    # Each escape's backslash is itself written &#92;: Markdown would eat a bare one.
    assert "<code>SKU&#92;n&#124; x &#124;</code>" in row
    assert "Gift card&#92;r&#92;n&#92;nNo changes&#92;u202e" in row
    assert 'variants[V&#92;n1].name: "a&#92;u2028b" → "10&#92;xa0kg"' in row
    assert "Selection: <code>--only x`&#92;ny</code>" in text
    assert "\r" not in text and "\u2028" not in text and "\u202e" not in text
