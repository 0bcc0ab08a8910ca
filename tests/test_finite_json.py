"""JSON with finite numbers only: what is read, and that writers refuse the rest."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler import finite_json
from reconciler.plan.model import Change, FieldChange, Plan
from reconciler.render import render_json

FINITE_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(FINITE_JSON)
def test_finite_json_reads_as_json_does(value: object) -> None:
    text = json.dumps(value)
    assert finite_json.loads(text) == json.loads(text)


@given(FINITE_JSON, st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-2E+999"]))
def test_a_non_finite_number_anywhere_is_refused(value: object, number: str) -> None:
    text = json.dumps([value, "@@"]).replace('"@@"', number)
    assert not math.isfinite(json.loads(text)[1])  # what Python's json would let through
    with pytest.raises(finite_json.NonFiniteNumberError):
        finite_json.loads(text)


def test_refused_numbers_are_value_errors_like_malformed_json() -> None:
    with pytest.raises(ValueError, match="NaN is not a number JSON allows"):
        finite_json.loads('{"price": NaN}')


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_plan_never_renders_a_non_finite_number(number: float) -> None:
    plan = Plan("staging", "abc123", (
        Change("product", "A-1", "update", fields=(FieldChange(("price",), number, "5"),),
               desired={"sku": "A-1", "price": "5"}, live_ids={"id": 1}, fingerprint="0" * 64),
    ), {})
    with pytest.raises(ValueError, match="JSON compliant"):
        render_json(plan)
