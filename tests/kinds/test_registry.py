from __future__ import annotations

import pytest

from reconciler.errors import ConfigError
from reconciler.kinds.base import ItemModel
from reconciler.kinds.registry import KINDS, kind_named, kind_names


def test_every_kind_is_registered_once_with_distinct_names_and_directories() -> None:
    assert kind_names() == [
        "brand",
        "category",
        "product",
        "price_list",
        "customer_group",
        "page",
        "redirect",
        "script",
        "webhook",
        "theme",
    ]
    assert len({k.plural for k in KINDS}) == len(KINDS)
    assert len({k.directory for k in KINDS}) == len(KINDS)


def test_kinds_come_after_everything_they_depend_on() -> None:
    seen: set[str] = set()
    for kind in KINDS:
        assert set(kind.depends_on) <= seen, f"{kind.name} is registered before {kind.depends_on}"
        seen.add(kind.name)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_models_forbid_unknown_fields_are_frozen_and_key_fields_exist(kind: object) -> None:
    from reconciler.kinds.base import Kind

    assert isinstance(kind, Kind)
    assert issubclass(kind.model, ItemModel)
    assert kind.model.model_config.get("extra") == "forbid"
    assert kind.model.model_config.get("frozen") is True
    assert set(kind.key_fields) <= set(kind.model.model_fields)
    for list_field in kind.merge_keys:
        assert list_field in kind.model.model_fields


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("product", "product"),
        ("products", "product"),
        ("Price-Lists", "price_list"),
        ("customer_groups", "customer_group"),
        ("theme", "theme"),
    ],
)
def test_kind_named_accepts_singular_plural_and_directory_spellings(
    spelling: str, name: str
) -> None:
    assert kind_named(spelling).name == name


def test_unknown_kind_suggests_the_closest() -> None:
    with pytest.raises(ConfigError) as caught:
        kind_named("prodcuts")
    assert "unknown kind 'prodcuts'" in str(caught.value)
    assert "did you mean 'products'?" in caught.value.hint
    with pytest.raises(ConfigError) as caught:
        kind_named("zzz")
    assert "did you mean" not in caught.value.hint and "brand" in caught.value.hint
