"""Secret references: found, resolved, and compared without being shown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler.kinds.secret_refs import (
    HIDDEN,
    item_references,
    matches,
    references,
    resolve,
    shield,
)
from reconciler.kinds.theme import ThemeKind
from reconciler.kinds.webhook import WebhookKind

NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
TEXT = st.text(alphabet=st.characters(exclude_characters="{}", codec="utf-8"), max_size=12)
VALUES = st.text(min_size=8, max_size=20).filter(lambda v: v.strip())


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A string with one to three references, and a value for each variable."""
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    parts = [draw(TEXT)]
    for name in names:
        parts += [f"{{env: {name}}}", draw(TEXT)]
    return "".join(parts), {name: draw(VALUES) for name in names}


@given(templates())
def test_a_resolved_template_matches_its_declaration(case: tuple[str, dict[str, str]]) -> None:
    template, values = case
    live = resolve(template, values.__getitem__)
    assert [name for _, name in references(template)] == list(values)
    assert matches(template, live, values.get)  # compared exactly
    assert matches(template, live, lambda _: None)  # compared by the text around
    assert shield(template, live, values.get) == template


@given(templates(), VALUES)
def test_a_rotated_value_differs_without_being_shown(
    case: tuple[str, dict[str, str]], rotated: str
) -> None:
    template, values = case
    first = next(iter(values))
    old = resolve(template, values.__getitem__)
    new_values = values | {first: rotated}
    if rotated != values[first]:
        assert shield(template, old, new_values.get) == HIDDEN
    assert shield(template, old, lambda _: None) == template  # value unknown: not a change
    assert shield(template, "edited " + old + " by hand", new_values.get) == HIDDEN


def test_mappings_are_shielded_entry_by_entry() -> None:
    declared = {"maps_key": {"env": "MAPS_KEY"}, "title": "Shop"}
    live = {"maps_key": "old-maps-key-1", "title": "Shop!", "color": "#fff"}
    shielded = shield(declared, live, {"MAPS_KEY": "new-maps-key-2"}.get)
    assert shielded == {"maps_key": HIDDEN, "title": "Shop!", "color": "#fff"}
    assert shield(declared, live, lambda _: None)["maps_key"] == declared["maps_key"]


def test_a_variable_name_is_no_secret_and_is_shown() -> None:
    declared = {"x-sig": {"env": "HOOK_SECRET"}}
    assert shield(declared, {"x-sig": {"env": "?"}}, lambda _: None) == {"x-sig": {"env": "?"}}


def test_references_are_looked_for_only_in_the_fields_that_may_hold_secrets() -> None:
    hook = {"scope": "store/order/*", "destination": "https://h.example/?t={env: T}",
            "headers": {"x-a": {"env": "A"}}}
    assert item_references(WebhookKind(), hook) == [
        (("headers", "x-a"), "A"), (("destination",), "T")]
    theme = {"name": "{env: NOT_A_SECRET_FIELD}", "settings": {"k": "a {env: K} b"}}
    assert item_references(ThemeKind(), theme) == [(("settings", "k"), "K")]
