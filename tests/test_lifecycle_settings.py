"""The lifecycle settings of stagingpro.yaml: built-in defaults, merging, and checking
every field path against the kind's model, with the line of each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from reconciler.config import effective_environment, load_config, parse_config
from reconciler.errors import ConfigError
from reconciler.kinds.field_paths import field_paths
from reconciler.kinds.registry import kind_named
from reconciler.lifecycle_settings import BUILT_IN, FieldLifecycle

STOCK = ("inventory_level", "variants.*.inventory_level")


def _config(defaults: str = "", environment: str = "") -> str:
    return (
        "version: 1\n"
        + (f"defaults:\n  lifecycle:\n{defaults}" if defaults else "")
        + "environments:\n  staging:\n    backend: {sandbox: s}\n"
        + (f"    lifecycle:\n{environment}" if environment else "")
        + "  production:\n    backend: {sandbox: p}\n"
    )


def _effective(text: str, env: str = "staging") -> dict[str, FieldLifecycle]:
    return dict(effective_environment(parse_config(yaml.safe_load(text)), env).lifecycle)


def _problems(tmp_path: Path, text: str) -> str:
    path = tmp_path / "stagingpro.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_stock_is_create_only_by_default() -> None:
    assert _effective(_config()) == {"product": FieldLifecycle(create_only=STOCK)}
    assert BUILT_IN["product"].create_only == STOCK


def test_each_list_replaces_the_one_below_it() -> None:
    text = _config(
        defaults="    product: {ignore: [inventory_warning_level]}\n"
                 "    page: {create_only: [body]}\n",
        environment="      product: {create_only: [inventory_level]}\n",
    )
    assert _effective(text, "staging") == {
        "product": FieldLifecycle(create_only=("inventory_level",),
                                  ignore=("inventory_warning_level",)),
        "page": FieldLifecycle(create_only=("body",)),
    }
    assert _effective(text, "production")["product"] == FieldLifecycle(
        create_only=STOCK, ignore=("inventory_warning_level",)
    )


def test_an_empty_list_turns_a_default_off() -> None:
    text = _config(environment="      product: {create_only: []}\n")
    assert _effective(text, "staging") == {}
    assert _effective(text, "production") == {"product": FieldLifecycle(create_only=STOCK)}


def test_a_field_ignored_by_a_higher_layer_is_no_longer_create_only() -> None:
    text = _config(environment="      product: {ignore: [inventory_level]}\n")
    assert _effective(text)["product"] == FieldLifecycle(
        create_only=("variants.*.inventory_level",), ignore=("inventory_level",)
    )


def test_every_mistake_is_reported_at_its_line_naming_the_valid_fields(tmp_path: Path) -> None:
    text = _config(
        defaults="    product:\n"
                 "      create_only:\n"
                 "        - inventry_level\n"            # line 6
                 "        - variants.*.inventory_levl\n"  # line 7
                 "        - variants.*.sku\n"            # line 8
                 "      ignore: [price]\n",              # line 9
        environment="      products: {ignore: [view_count]}\n",  # line 13
    )
    message = _problems(tmp_path, text)
    assert message.startswith("5 problems in ")
    lines = message.splitlines()
    assert any(
        ":6:11: defaults.lifecycle.product.create_only.0: 'inventry_level' is not a field of"
        " product; did you mean 'inventory_level'?" in line and "inventory_warning_level" in line
        for line in lines
    )
    assert any(
        ":7:11:" in line and "did you mean 'variants.*.inventory_level'?" in line
        and "the fields of product variants.* are: variants.*.option_values" in line
        for line in lines
    )
    assert any(":8:11:" in line and "natural key" in line for line in lines)
    assert any(":9:16:" in line and "'price' is required to create a product" in line
               and "create_only" in line for line in lines)
    assert any(":13:5: environments.staging.lifecycle: 'products' is not a kind; did you"
               " mean 'product'?" in line for line in lines)


def test_a_field_listed_twice_or_in_both_lists_is_refused(tmp_path: Path) -> None:
    message = _problems(tmp_path, _config(
        defaults="    product:\n"
                 "      create_only: [inventory_level, inventory_level]\n"
                 "      ignore: [inventory_level]\n"
    ))
    assert "create_only lists inventory_level more than once" in message
    message = _problems(tmp_path, _config(
        defaults="    product: {create_only: [mpn], ignore: [mpn]}\n"
    ))
    assert "mpn is in both create_only and ignore" in message


@given(st.sampled_from(field_paths(kind_named("product"))))
def test_every_field_path_of_a_kind_is_accepted_as_create_only(path: str) -> None:
    text = _config(environment=f"      product: {{create_only: ['{path}']}}\n")
    assert _effective(text)["product"].create_only == (path,)
