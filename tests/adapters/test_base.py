"""LiveItem: an immutable value whose data is kept as compact JSON text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.adapters.base import LiveItem

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), JSON, max_size=6))
def test_data_reads_back_equal_to_what_was_given(data: dict[str, Any]) -> None:
    item = LiveItem("K-1", data, {"id": 1})
    assert item.data == data
    assert list(item.data) == list(data)  # field order as the adapter built it
    assert item.text == json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_each_read_of_data_is_a_fresh_copy() -> None:
    item = LiveItem("K-1", {"price": 9.5, "variants": [{"sku": "K-1-S"}]})
    item.data["variants"].append({"sku": "changed"})
    assert item.data == {"price": 9.5, "variants": [{"sku": "K-1-S"}]}


def test_a_live_item_is_immutable_and_compares_by_value() -> None:
    item = LiveItem("K-1", {"price": 9.5}, {"id": 1}, owned=True)
    with pytest.raises(AttributeError, match="immutable"):
        item.key = "other"  # type: ignore[misc]
    assert item == LiveItem("K-1", {"price": 9.5}, {"id": 1}, owned=True)
    assert item != LiveItem("K-1", {"price": 9.5}, {"id": 1}, owned=False)
    assert item != LiveItem("K-1", {"price": 9.6}, {"id": 1}, owned=True)
    assert LiveItem("K-1", {}).ids == {}


def test_a_live_item_copies_and_pickles() -> None:
    import copy
    import pickle

    item = LiveItem("K-1", {"price": 9.5}, {"id": 1, "variants": {"k-1-s": 2}}, owned=True)
    assert copy.deepcopy(item) == item
    assert pickle.loads(pickle.dumps(item)) == item


def test_data_that_is_not_json_is_refused_at_once() -> None:
    from decimal import Decimal

    with pytest.raises(TypeError):
        LiveItem("K-1", {"price": Decimal("9.5")})
