"""The item strategies build valid items of every kind (other tests rely on that)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.kinds.base import Kind
from reconciler.kinds.registry import KINDS
from tests.strategies import item_strategy, raw_item_strategy


@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_strategies_accept_a_kind_or_its_name(data: st.DataObject) -> None:
    for kind in KINDS:
        assert isinstance(data.draw(item_strategy(kind.name)), kind.model)
        assert isinstance(data.draw(item_strategy(kind.plural.replace("_", "-"))), kind.model)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_strategy_values_validate(kind: Kind[Any], data: st.DataObject) -> None:
    raw = data.draw(raw_item_strategy(kind))
    item = kind.model.model_validate(raw)
    # Only what was drawn is set: nothing is filled in behind the user's back.
    assert item.model_fields_set == set(raw)
    assert item.model_dump(exclude_unset=True).keys() == raw.keys()
    # The key, references, unique values and files hooks work on every valid item.
    assert kind.key(item)
    list(kind.references(item))
    list(kind.unique_values(item))
    list(kind.files(item))


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_models_round_trip_through_json_mode_dump(kind: Kind[Any], data: st.DataObject) -> None:
    item = data.draw(item_strategy(kind))
    dumped = item.model_dump(mode="json", exclude_unset=True, by_alias=True)
    assert kind.model.model_validate(dumped) == item
