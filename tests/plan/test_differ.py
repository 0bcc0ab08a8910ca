"""The differ: properties over random items of every kind and over random JSON trees."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.kinds.registry import KINDS, kind_named
from reconciler.plan.canonical import ListKey, Node, canonical_declared, canonical_live, rules_of
from reconciler.plan.differ import apply_changes, diff, project
from reconciler.plan.model import ABSENT
from tests.strategies import item_strategy

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True)
    return data


@pytest.mark.parametrize("kind_name", [kind.name for kind in KINDS])
def test_an_item_never_differs_from_itself(kind_name: str) -> None:
    kind = kind_named(kind_name)

    @FAST
    @given(item_strategy(kind))
    def check(model: Any) -> None:
        declared = canonical_declared(kind, _dump(model))
        assert diff(declared, canonical_live(kind, _dump(model)), rules_of(kind)) == []

    check()


@pytest.mark.parametrize("kind_name", [kind.name for kind in KINDS])
def test_applying_the_changes_makes_the_live_item_as_declared(kind_name: str) -> None:
    kind = kind_named(kind_name)
    node = rules_of(kind)

    @FAST
    @given(item_strategy(kind), item_strategy(kind))
    def check(live_model: Any, declared_model: Any) -> None:
        declared = canonical_declared(kind, _dump(declared_model))
        live = canonical_live(kind, _dump(live_model))
        changes = diff(declared, live, node)
        patched = canonical_live(kind, apply_changes(live, changes, node))
        assert diff(declared, patched, node) == []

    check()


# --- random JSON trees with a keyed list and a positional list -----------------------------

TREE_RULES = Node(children={"items": Node(keyed=ListKey(("k",)))})
scalar = st.integers(-5, 5) | st.text("abc", min_size=1, max_size=3)
entry = st.fixed_dictionaries({"k": st.sampled_from("pqrst")}, optional={"v": scalar, "w": scalar})
tree = st.fixed_dictionaries(
    {},
    optional={
        "a": scalar,
        "b": scalar,
        "tags": st.lists(scalar, min_size=1, max_size=3),
        "sub": st.dictionaries(st.sampled_from("xyz"), scalar, min_size=1),
        "items": st.lists(entry, min_size=1, max_size=4, unique_by=lambda e: e["k"]),
        "pos": st.lists(st.fixed_dictionaries({"v": scalar}), min_size=1, max_size=3),
    },
)


def _canonical(value: dict[str, Any]) -> dict[str, Any]:
    if "items" in value:
        value = {**value, "items": sorted(value["items"], key=lambda e: e["k"])}
    return value


@settings(max_examples=300, deadline=None)
@given(tree, tree)
def test_patched_projection_equals_the_declared_tree(live: Any, declared: Any) -> None:
    live, declared = _canonical(live), _canonical(declared)
    assert diff(live, live, TREE_RULES) == []
    changes = diff(declared, live, TREE_RULES)
    assert (changes == []) == (project(declared, live, TREE_RULES) == declared)
    patched = _canonical(apply_changes(live, changes, TREE_RULES))
    assert project(declared, patched, TREE_RULES) == declared
    assert diff(declared, patched, TREE_RULES) == []


def test_additions_and_removals_of_keyed_entries_carry_the_whole_entry() -> None:
    declared = {"items": [{"k": "p", "v": 1}, {"k": "q", "v": 2}]}
    live = {"items": [{"k": "p", "v": 1, "w": 9}, {"k": "r", "v": 3}]}
    changes = diff(declared, live, TREE_RULES)
    assert [(c.path, c.before, c.after) for c in changes] == [
        (("items", "q"), ABSENT, {"k": "q", "v": 2}),
        (("items", "r"), {"k": "r", "v": 3}, ABSENT),
    ]
