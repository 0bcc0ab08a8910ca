"""What the plan left alone by lifecycle rules, in the terminal and Markdown renderings:
a line per kind whose items declare such fields, the values that differ live below it."""

from __future__ import annotations

from reconciler.plan.model import ABSENT, KindLifecycle, LeftAlone
from reconciler.render.lifecycle import MAX_DETAILS
from reconciler.render.markdown import render_markdown
from reconciler.render.text import plain_text
from tests.render.helpers import sample_plan

STOCK = KindLifecycle("product", ("inventory_level", "variants.*.inventory_level"),
                      ("mpn",), declared_by=26)
SALE = LeftAlone("product", "LAMP-01", ("inventory_level",), "create_only", 80, 85)
VARIANT = LeftAlone("product", "JKT-01", ("variants", "JKT-01-S", "mpn"), "ignore", ABSENT, "X")


def test_text_names_the_rules_and_each_value_that_differs_live() -> None:
    text = plain_text(sample_plan(changes=(), lifecycle=(STOCK,), left_alone=(SALE, VARIANT)))
    assert (
        "Left alone (lifecycle in stagingpro.yaml):\n"
        "  product: create-only inventory_level, variants.*.inventory_level; ignored mpn"
        " (declared by 26; 2 differ live)\n"
        "      LAMP-01 inventory_level: create-only, live 80, declared 85\n"
        "      JKT-01 variants[JKT-01-S].mpn: ignored, live (none), declared \"X\"\n"
    ) in text
    assert "No changes: 47 items are up to date." in text


def test_an_unchanged_store_shows_one_line_per_kind_and_nothing_for_undeclared_rules() -> None:
    text = plain_text(sample_plan(changes=(), lifecycle=(STOCK,)))
    assert "  product: create-only inventory_level, variants.*.inventory_level; ignored mpn" \
        " (declared by 26)\n\n" in text
    quiet = KindLifecycle("product", ("inventory_level",), declared_by=0)
    assert "Left alone" not in plain_text(sample_plan(changes=(), lifecycle=(quiet,)))
    assert "Left alone" not in plain_text(sample_plan())


def test_many_differing_values_are_counted_after_the_first_ones() -> None:
    sales = tuple(LeftAlone("product", f"P-{i}", ("inventory_level",), "create_only", 1, 2)
                  for i in range(MAX_DETAILS + 5))
    text = plain_text(sample_plan(lifecycle=(STOCK,), left_alone=sales))
    assert f"P-{MAX_DETAILS - 1} inventory_level" in text
    assert f"P-{MAX_DETAILS} inventory_level" not in text
    assert "… and 5 more (the JSON plan lists all)" in text


def test_markdown_lists_the_rules_and_folds_the_differing_values() -> None:
    for plan in (sample_plan(lifecycle=(STOCK,), left_alone=(SALE,)),
                 sample_plan(changes=(), lifecycle=(STOCK,), left_alone=(SALE,))):
        markdown = render_markdown(plan)
        # An escaped *: two list paths on a line would otherwise make emphasis.
        assert "- product: create-only inventory_level, variants.\\*.inventory_level;" \
            " ignored mpn (declared by 26; 1 differs live)\n" in markdown
        assert "<details><summary>values that differ live</summary>" in markdown
        assert "  - LAMP-01 inventory_level: create-only, live 80, declared 85\n" in markdown
