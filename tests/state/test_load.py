"""The loader's public API: items, sources, positions, overlays, errors."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from reconciler.errors import ConfigError, StateError
from reconciler.state import (
    DeclaredItem,
    Place,
    Source,
    load_file,
    load_state,
    reading,
    validate_state,
)


def write(root: Path, relative: str, text: str) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def product(state_root: Path, environment: str = "production") -> DeclaredItem:
    item = load_state(state_root, environment).get("product", "trail-01")
    assert item is not None
    return item


def test_items_come_in_kind_order_keyed_by_match_key(state_root: Path) -> None:
    state = load_state(state_root, "production")
    assert state.environment == "production"
    assert list(state.config.environments) == ["production", "staging"]
    assert [name for name, items in state.items.items() if items] == [
        "brand",
        "category",
        "product",
        "page",
        "redirect",
    ]
    assert list(state.items["product"]) == ["trail-01"]  # SKUs match case-insensitively
    assert list(state.items["category"]) == ["Footwear", "Footwear/Trail"]
    assert len(state) == 7
    assert state.counts() == {"brand": 1, "category": 2, "product": 1, "page": 2, "redirect": 1}


def test_an_item_knows_its_source_and_where_each_value_is(state_root: Path) -> None:
    item = product(state_root)
    assert item.key == "TRAIL-01"
    assert item.source == Source("catalog/products/trail-01.yaml", ())
    assert item.overlays == ()
    assert item.locate(("price",)) == Place("catalog/products/trail-01.yaml", 5, 8)
    file, line, column = item.locate(("variants", 1, "price"))
    assert (file, line, column) == ("catalog/products/trail-01.yaml", 20, 12)
    assert item.locate(("sale_price",)) == Place("catalog/products/trail-01.yaml", 2, 1)

    category = load_state(state_root, "production").get("category", "Footwear/Trail")
    assert category is not None
    assert category.source == Source("catalog/categories/footwear.yaml", ("categories", 1))
    assert str(category.source) == "catalog/categories/footwear.yaml.categories[1]"
    assert category.locate(("path",)) == Place("catalog/categories/footwear.yaml", 4, 11)


def test_state_is_immutable(state_root: Path) -> None:
    state = load_state(state_root, "production")
    with pytest.raises(TypeError):
        state.items["product"]["x"] = product(state_root)  # type: ignore[index]
    with pytest.raises(AttributeError):
        state.environment = "staging"  # type: ignore[misc]


def test_overlay_patches_and_removes_in_its_environment_only(state_root: Path) -> None:
    staging = product(state_root, "staging")
    assert staging.model.price == Decimal("79.00")  # type: ignore[attr-defined]
    assert staging.overlays == ("environments/staging/overlay.yaml",)
    assert staging.locate(("price",)) == Place("environments/staging/overlay.yaml", 5, 14)
    assert staging.locate(("name",)) == Place("catalog/products/trail-01.yaml", 3, 7)
    assert product(state_root).model.price == Decimal("89.00")  # type: ignore[attr-defined]
    assert load_state(state_root, "staging").get("page", "/holiday-sale/") is None
    assert load_state(state_root, "production").get("page", "/holiday-sale/") is not None


def test_patch_semantics(state_root: Path) -> None:
    write(
        state_root,
        "environments/staging/overlay.yaml",
        """\
patch:
  product:                      # singular spelling works too
    trail-01:                   # matched like the kind matches (SKU ignores case)
      sale_price: 70
      categories: [Footwear]    # a plain list replaces
      images: null              # null unsets: no longer managed here
      options:                  # merged by display_name: new value appended whole? no:
        - display_name: size    #   entries merge by key, lists inside them replace
          values: [{label: "9"}, {label: "10"}, {label: "11"}]
      variants:                 # merged by sku
        - sku: trail-01-10
          price: 99
        - sku: TRAIL-01-11
          option_values: {Size: "11"}
""",
    )
    item = product(state_root, "staging")
    model = item.model
    assert model.sale_price == Decimal(70)  # type: ignore[attr-defined]
    assert model.categories == ["Footwear"]  # type: ignore[attr-defined]
    assert "images" not in model.model_fields_set
    assert model.options[0].display_name == "Size"  # type: ignore[attr-defined]
    assert [v.label for v in model.options[0].values] == ["9", "10", "11"]  # type: ignore[attr-defined]
    variants = model.variants  # type: ignore[attr-defined]
    assert [(v.sku, v.price) for v in variants] == [
        ("TRAIL-01-9", None),
        ("TRAIL-01-10", Decimal(99)),
        ("TRAIL-01-11", None),
    ]
    overlay = "environments/staging/overlay.yaml"
    assert item.locate(("variants", 1, "price")) == Place(overlay, 12, 18)
    assert item.locate(("variants", 1, "option_values")) == Place(
        "catalog/products/trail-01.yaml", 19, 20
    )
    assert item.locate(("variants", 2, "sku")) == Place(overlay, 13, 16)
    assert item.locate(("categories", 0)) == Place(overlay, 5, 20)


def test_environment_files_add_items_to_that_environment(state_root: Path) -> None:
    write(state_root, "environments/staging/catalog/brands/preview.yaml", "name: Preview\n")
    staging = load_state(state_root, "staging").get("brand", "preview")
    assert staging is not None
    assert staging.source.file == "environments/staging/catalog/brands/preview.yaml"
    assert load_state(state_root, "production").get("brand", "preview") is None


def test_load_state_raises_with_every_problem(state_root: Path) -> None:
    write(state_root, "catalog/brands/a.yaml", "name: A\npage_tilte: x\n")
    write(state_root, "catalog/brands/b.yaml", "name: [B\n")
    with pytest.raises(StateError) as raised:
        load_state(state_root, "production")
    assert [p.format() for p in raised.value.problems] == [
        "catalog/brands/a.yaml:2:1: brand A: unknown field 'page_tilte'"
        " — did you mean 'page_title'?",
        "catalog/brands/b.yaml:2:1: not valid YAML: did not find expected ',' or ']'"
        " (while parsing a flow sequence)",
    ]
    assert str(raised.value).startswith("2 problems in the declared state")


def test_unknown_environment_is_a_config_error(state_root: Path) -> None:
    with pytest.raises(ConfigError, match="unknown environment 'stagin' — did you mean"):
        load_state(state_root, "stagin")


def test_missing_state_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        validate_state(tmp_path / "nowhere")


def test_missing_config_is_a_problem(state_root: Path) -> None:
    (state_root / "stagingpro.yaml").unlink()
    report = validate_state(state_root)
    assert [p.format() for p in report.problems] == [
        "stagingpro.yaml:0:0: missing: the state directory needs a stagingpro.yaml"
        " declaring its environments"
    ]
    assert report.environments == {}


def test_patch_may_not_change_the_natural_key(state_root: Path) -> None:
    write(
        state_root,
        "environments/staging/overlay.yaml",
        "patch:\n  brands:\n    Summit:\n      name: Peak\n",
    )
    report = validate_state(state_root, ["staging"])
    assert [p.format() for p in report.problems] == [
        "environments/staging/overlay.yaml:4:13: brand Peak: a patch may not change the"
        " natural key (Summit → Peak); declare a new brand and remove the old one"
    ]


def test_merge_list_entries_need_their_key(state_root: Path) -> None:
    write(
        state_root,
        "environments/staging/overlay.yaml",
        "patch:\n  products:\n    TRAIL-01:\n      variants:\n        - price: 5\n",
    )
    report = validate_state(state_root, ["staging"])
    assert [p.format() for p in report.problems] == [
        "environments/staging/overlay.yaml:5:11: product TRAIL-01: each entry patching"
        " 'variants' needs 'sku:' to name the entry it changes"
    ]


def test_overlay_shape_problems(state_root: Path) -> None:
    write(
        state_root,
        "environments/staging/overlay.yaml",
        "patches: {}\nremove:\n  pages: /about/\npatch:\n  brands:\n    Summit: null\n",
    )
    report = validate_state(state_root, ["staging"])
    assert [p.format() for p in report.problems] == [
        "environments/staging/overlay.yaml:1:1: unknown overlay section 'patches'"
        " — did you mean 'patch'?",
        "environments/staging/overlay.yaml:3:10: 'pages:' lists the natural keys to remove",
        "environments/staging/overlay.yaml:6:13: a patch of brand Summit must be a mapping"
        " of fields (to delete it here, list it under 'remove:')",
    ]


def test_references_to_invalid_items_are_not_reported_twice(state_root: Path) -> None:
    write(state_root, "catalog/brands/summit.yaml", "name: Summit\npage_title: [x]\n")
    report = validate_state(state_root, ["production"])
    assert [p.format() for p in report.problems] == [
        "catalog/brands/summit.yaml:2:13: brand Summit: page_title: expected text of at most"
        " 255 characters, got a list"
    ]


def test_theme_files_beside_theme_yaml_are_not_items(state_root: Path) -> None:
    write(state_root, "themes/cornerstone/theme.yaml", "name: Cornerstone\n")
    write(state_root, "themes/cornerstone/config.json", "{}\n")
    write(state_root, "themes/cornerstone/templates/extra.yaml", "anything: [goes\n")
    state = load_state(state_root, "production")
    theme = state.get("theme", "Cornerstone")
    assert theme is not None
    assert theme.source.file == "themes/cornerstone/theme.yaml"


def test_load_file_reads_one_kind_file(state_root: Path) -> None:
    items = load_file(state_root, "catalog/categories/footwear.yaml")
    assert [item.key for item in items] == ["Footwear", "Footwear/Trail"]
    write(state_root, "catalog/brands/bad.yaml", "name: ''\n")
    with pytest.raises(StateError, match="name: expected text of at least 1"):
        load_file(state_root, "catalog/brands/bad.yaml")


def test_problems_in_some_environments_say_which(state_root: Path) -> None:
    write(state_root, "environments/staging/overlay.yaml", "remove:\n  brands: [Summit]\n")
    report = validate_state(state_root)
    assert [p.format() for p in report.problems] == [
        "catalog/products/trail-01.yaml:7:8: product TRAIL-01: unknown brand 'Summit';"
        " it is not declared (environment staging)"
    ]
    only_staging = validate_state(state_root, ["staging"])
    assert [p.message for p in only_staging.problems] == [
        "unknown brand 'Summit'; it is not declared"
    ]


def test_large_trees_are_parsed_by_worker_processes_with_the_same_result(
    state_root: Path,
) -> None:
    folder = state_root / "catalog/brands/many"
    folder.mkdir()
    count = reading.PARALLEL_MIN_FILES + 10
    for index in range(count):
        body = f"name: Brand {index:04d}\n" if index != 777 else "name: [Brand\n"
        (folder / f"b{index:04d}.yaml").write_text(body, encoding="utf-8")
    assert reading.workers_for(count) > 1 or len(os.sched_getaffinity(0)) == 1
    report = validate_state(state_root, ["production"])
    assert [p.format() for p in report.problems] == [
        "catalog/brands/many/b0777.yaml:2:1: not valid YAML: did not find expected ',' or"
        " ']' (while parsing a flow sequence)"
    ]
    assert report.environments["production"]["brand"] == count  # 1 base brand, 1 broken
