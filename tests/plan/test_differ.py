"""The differ: properties over random items of every kind and over random JSON trees."""

from __future__ import annotations

import json
from typing import Any

import pytest
from deepdiff import DeepDiff
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.kinds.registry import KINDS, kind_named
from reconciler.plan.canonical import (
    WILDCARD,
    ListKey,
    Node,
    canonical_declared,
    canonical_live,
    entry_key,
    match_form,
    rules_of,
)
from reconciler.plan.differ import apply_changes, diff, is_empty, project
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


# --- DeepDiff as an independent oracle ------------------------------------------------------
# The same normalisation for both (canonical form, live projected on what is declared),
# then the differ's equivalences written out as data rewrites so that a general-purpose
# diff can be run on the result: keyed lists become mappings by their entries' match form,
# lists of scalars atomic values, "no value" in any spelling (and 0 or false where those
# mean unset) is dropped, case-insensitive text case-folded, StagingPro's own fields and
# file paths compared by hash left out.

_DEEPDIFF_REPORTS = (
    "values_changed", "type_changes", "dictionary_item_added", "dictionary_item_removed",
    "iterable_item_added", "iterable_item_removed",
)


_DROP: Any = object()
"""No value (on one side of the oracle's normalised pair)."""


def _alone(value: Any, node: Node) -> Any:
    """One side's normal form where the other side has nothing comparable."""
    if value is _DROP:
        return _DROP
    if isinstance(value, dict):
        form = _pair(value, {}, node)[0]
        return form if form else _DROP
    if isinstance(value, list) and (node.keyed is not None
                                    or any(isinstance(e, dict) for e in value)):
        form = _pair(value, [], node)[0]
        return form if form else _DROP
    if isinstance(value, list):
        if node.child(WILDCARD).case_insensitive:
            value = [v.casefold() if isinstance(v, str) else v for v in value]
        return json.dumps(value, sort_keys=True) if value else _DROP  # one value, as ours
    if is_empty(value) or (node.zero_is_unset and value == "0") or (
            node.false_is_unset and value is False):
        return _DROP
    return value.casefold() if node.case_insensitive and isinstance(value, str) else value


def _pair(declared: Any, live: Any, node: Node) -> tuple[Any, Any]:
    """Both sides in normal form: containers on both sides are kept (and compared inside,
    even when one is empty); keyed lists become mappings by match form."""
    if isinstance(declared, dict) and isinstance(live, dict):
        out_declared, out_live = {}, {}
        for name in [*declared, *(k for k in live if k not in declared)]:
            child = node.child(name)
            if child.local or (child.hash_field is not None and child.hash_field in declared):
                continue
            one, other = _pair(declared.get(name, _DROP), live.get(name, _DROP), child)
            if one is not _DROP:
                out_declared[name] = one
            if other is not _DROP:
                out_live[name] = other
        return out_declared, out_live
    if isinstance(declared, list) and isinstance(live, list):
        entry = node.child(WILDCARD)
        if node.keyed is not None:
            key = node.keyed
            wanted = {match_form(entry_key(e, key), key): e for e in declared}
            found = {match_form(entry_key(e, key), key): e for e in live}
            pairs = {m: _pair(wanted.get(m, _DROP), found.get(m, _DROP), entry)
                     for m in [*wanted, *(m for m in found if m not in wanted)]}
            return ({m: ({} if d is _DROP else d) for m, (d, _) in pairs.items() if m in wanted},
                    {m: ({} if v is _DROP else v) for m, (_, v) in pairs.items() if m in found})
        if any(isinstance(e, dict) for e in [*declared, *live]):
            forms = [_pair(declared[i] if i < len(declared) else _DROP,
                           live[i] if i < len(live) else _DROP, entry)
                     for i in range(max(len(declared), len(live)))]
            return ([None if d is _DROP else d for d, _ in forms[: len(declared)]],
                    [None if v is _DROP else v for _, v in forms[: len(live)]])
    return _alone(declared, node), _alone(live, node)


def _our_paths(changes: list[Any], node: Node) -> list[tuple[Any, ...]]:
    """Paths of our changes with keyed-list steps in their match form (as the oracle's)."""
    paths = []
    for change in changes:
        at, path = node, []
        for step in change.path:
            if at.keyed is not None:
                path.append(match_form(str(step), at.keyed))
                at = at.child(WILDCARD)
            else:
                path.append(step)
                at = at.child(step)
        paths.append(tuple(path))
    return paths


def _oracle_paths(declared: dict[str, Any], live: dict[str, Any], node: Node) -> list[Any]:
    declared_form, live_form = _pair(declared, project(declared, live, node), node)
    found = DeepDiff(
        live_form,
        declared_form,
        view="tree",
        threshold_to_diff_deeper=0,  # always descend (by default a mostly new mapping is
    )                                # reported as one changed value)
    return [tuple(level.path(output_format="list"))
            for report in _DEEPDIFF_REPORTS for level in found.get(report, [])]


@st.composite
def _declared_and_live(draw: st.DrawFn, kind: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A declared item and a live one: unrelated, or the declared one with some fields
    of another item (so that most of it matches and the rest differs)."""
    declared = _dump(draw(item_strategy(kind)))
    other = _dump(draw(item_strategy(kind)))
    if draw(st.booleans()):
        return declared, other
    taken = draw(st.sets(st.sampled_from(sorted(other)))) if other else set()
    dropped = draw(st.sets(st.sampled_from(sorted(declared)))) if declared else set()
    live = {k: v for k, v in declared.items() if k not in dropped}
    live.update({k: other[k] for k in taken})
    return declared, live


@pytest.mark.parametrize("kind_name", [kind.name for kind in KINDS])
def test_deepdiff_finds_the_same_field_changes(kind_name: str) -> None:
    kind = kind_named(kind_name)
    node = rules_of(kind)

    @FAST
    @given(_declared_and_live(kind))
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        declared = canonical_declared(kind, pair[0])
        live = canonical_live(kind, pair[1])
        ours = _our_paths(diff(declared, live, node), node)
        assert len(ours) == len(set(ours))
        assert sorted(map(repr, ours)) == sorted(map(repr, _oracle_paths(declared, live, node)))

    check()


def test_a_mapping_of_no_values_equals_no_value() -> None:
    # Found by the DeepDiff oracle: theme settings {a: null} against none live.
    node = rules_of(kind_named("theme"))
    assert diff({"name": "0", "settings": {"a": None, "b": {}}}, {"name": "0"}, node) == []
    assert [c.path for c in diff({"name": "0", "settings": {"a": 1}}, {"name": "0"}, node)] \
        == [("settings",)]
