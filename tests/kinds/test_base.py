"""DeclaredModel: unset fields stay unset, and models declaring the same fields share one
read-only fields set (what keeps a 50,000-product state small)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.kinds.product import Product

REQUIRED = {"sku", "name", "type", "price", "weight"}
OPTIONAL = ("description", "is_visible", "search_keywords", "upc")


def _product(sku: str, *fields: str) -> Product:
    values = {"description": "<p>x</p>", "is_visible": True, "search_keywords": "tent",
              "upc": "0123"}
    return Product.model_validate(
        {"sku": sku, "name": f"Item {sku}", "type": "physical", "price": "9.5", "weight": 1,
         **{name: values[name] for name in fields}}
    )


def test_models_declaring_the_same_fields_share_their_fields_set() -> None:
    first, second = _product("A-1", "upc", "is_visible"), _product("B-2", "is_visible", "upc")
    assert first.model_fields_set == {*REQUIRED, "upc", "is_visible"}
    assert first.model_fields_set is second.model_fields_set
    other = _product("C-3", "upc")
    assert other.model_fields_set is not first.model_fields_set
    assert other.model_fields_set == {*REQUIRED, "upc"}


def test_nested_parts_share_their_fields_set_too() -> None:
    product = Product.model_validate({
        "sku": "A-1", "name": "Tent", "type": "physical", "price": 5, "weight": 1,
        "custom_fields": [{"name": "Material", "value": "Nylon"},
                          {"name": "Season", "value": "All"}],
    })
    first, second = product.custom_fields or []
    assert first.model_fields_set is second.model_fields_set


def test_a_shared_fields_set_cannot_be_changed_in_place() -> None:
    fields = _product("A-1", "upc").model_fields_set
    for change in (lambda: fields.add("weight"), lambda: fields.discard("price"),
                   lambda: fields.update({"gtin"}), fields.clear, fields.pop):
        with pytest.raises(TypeError, match="shared"):
            change()
    assert fields == {*REQUIRED, "upc"}


def test_copies_get_fields_sets_of_their_own() -> None:
    import copy
    import pickle

    original = _product("A-1", "upc")
    changed = original.model_copy(update={"is_visible": False})
    assert changed.model_fields_set == {*REQUIRED, "upc", "is_visible"}
    assert original.model_fields_set == {*REQUIRED, "upc"}
    for duplicate in (copy.deepcopy(original), pickle.loads(pickle.dumps(original))):
        assert duplicate == original
        assert duplicate.model_dump(exclude_unset=True) == original.model_dump(exclude_unset=True)


@given(st.lists(st.sampled_from(OPTIONAL), unique=True))
def test_dumping_leaves_out_exactly_the_unset_fields(fields: list[str]) -> None:
    dumped = _product("A-1", *fields).model_dump(exclude_unset=True)
    assert set(dumped) == {*REQUIRED, *fields}
