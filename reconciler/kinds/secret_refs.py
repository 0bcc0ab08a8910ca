"""Secret references: ``{env: NAME}`` where a kind's declared values may hold secrets.

A kind lists the fields that may hold them in :attr:`Kind.secret_fields`. There a value
may be a reference as a whole (the YAML mapping ``{env: NAME}``, e.g. a webhook header or
a theme setting) or a string with references inside it (``"https://hooks.example/orders
?token={env: ORDERS_HOOK_TOKEN}"``, ``"<script>chat('{env: CHAT_KEY}')</script>"``).
Only variables in ``stagingpro.yaml``'s ``secrets`` allow-list may be named, and never
a store token (checked at validation); values are read only when an item is written
(:func:`resolve`, with :func:`reconciler.secrets.read_secret`, which registers each for
redaction). Plans, records and messages carry the references, never the values.

**Comparing without showing.** The store returns resolved values, the declaration holds
references; :func:`shield` turns a live value into what the planner compares and shows:

* the declared value itself when the live one is what it resolves to — compared exactly
  when the variables are set where the plan runs (a rotated secret is then a change), and
  by the text around the references otherwise (the secret's value unknown);
* otherwise :data:`HIDDEN`: the plan says the value differs, never what it is.

A kind whose writes are identified by the declaration itself sets
:attr:`Kind.secrets_by_declaration` (themes: the upload is named by the digest of the
declared files and settings, references included): its live values are compared by the
text around the references only, and a new secret value is rolled out by naming a new
variable (or a new theme version).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints

from reconciler.kinds.base import FieldPath, Kind
from reconciler.kinds.fields import EnvVarName, Part, _check_https_url

ENV_REFERENCE = re.compile(r"\{env:\s*([A-Z_][A-Z0-9_]*)\s*\}")
"""A reference inside a string: ``{env: NAME}``."""
HIDDEN = "(not shown: differs from the declared value, which holds secrets)"
"""What a plan shows for a live value that holds secrets and differs from the declaration."""

NOT_SHOWN = "(not shown: may hold secrets)"
"""What a plan shows for the text of a deleted item's field that may hold secrets."""

Lookup = Callable[[str], str | None]
"""A variable's value, or ``None`` when it is not available where the plan runs."""


class EnvValue(Part):
    """A value read from an environment variable when the item is written."""

    env: EnvVarName


def is_reference(value: Any) -> bool:
    """Whether ``value`` is a whole-value reference, ``{"env": NAME}``."""
    return isinstance(value, Mapping) and set(value) == {"env"} and isinstance(value["env"], str)


def references(value: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """``(path, variable)`` of every reference in ``value``, in order."""
    if is_reference(value):
        yield path, value["env"]
    elif isinstance(value, str):
        for found in ENV_REFERENCE.finditer(value):
            yield path, found.group(1)
    elif isinstance(value, Mapping):
        for name, item in value.items():
            yield from references(item, (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from references(item, (*path, index))


def item_references(kind: Kind[Any], values: Mapping[str, Any]) -> list[tuple[FieldPath, str]]:
    """Every reference in the secret fields of one item's model-shaped ``values``."""
    return [
        found
        for name in kind.secret_fields
        if name in values
        for found in references(values[name], (name,))
    ]


def with_references_checked(check: Callable[[str], str]) -> Callable[[str], str]:
    """A string check that sees each reference as a plain word (so ``https://h/?t={env:
    T}`` passes an URL check), returning the value with its references kept."""

    def checked(value: str) -> str:
        check(ENV_REFERENCE.sub("secret", value))
        return value

    return checked


HttpsUrlWithSecrets = Annotated[
    str,
    StringConstraints(max_length=2048),
    AfterValidator(with_references_checked(_check_https_url)),
]
"""An absolute https:// URL that may name secrets: ``https://h.example/?key={env: KEY}``."""


def resolve(value: Any, read: Callable[[str], str]) -> Any:
    """``value`` with every reference replaced by ``read(variable)``."""
    if is_reference(value):
        return read(value["env"])
    if isinstance(value, str):
        return ENV_REFERENCE.sub(lambda found: read(found.group(1)), value)
    if isinstance(value, Mapping):
        return {name: resolve(item, read) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item, read) for item in value]
    return value


def _string_matches(template: str, live: str, lookup: Lookup | None) -> bool:
    # A pattern with the known values as literal text and any text for the others:
    # split() alternates literal text and variable names (text, NAME, text, NAME, text).
    pattern = ""
    for index, part in enumerate(ENV_REFERENCE.split(template)):
        if index % 2 == 0:
            pattern += re.escape(part)
        else:
            value = lookup(part) if lookup is not None else None
            pattern += ".+?" if value is None else re.escape(value)
    return re.fullmatch(pattern, live, re.DOTALL) is not None


def matches(declared: Any, live: Any, lookup: Lookup | None) -> bool:
    """Whether ``live`` is what ``declared`` resolves to, as far as can be told: exactly
    for variables ``lookup`` knows, by the surrounding text for the others."""
    if is_reference(declared):
        if is_reference(live):  # stores that never return the value give the name back
            return bool(live == declared)
        value = lookup(declared["env"]) if lookup is not None else None
        return isinstance(live, str) and (value is None or bool(live == value))
    if isinstance(declared, str):
        if not ENV_REFERENCE.search(declared):
            return bool(declared == live)
        return isinstance(live, str) and _string_matches(declared, live, lookup)
    if isinstance(declared, Mapping):
        return (
            isinstance(live, Mapping)
            and set(declared) == set(live)
            and all(matches(item, live[name], lookup) for name, item in declared.items())
        )
    return bool(declared == live)


def shield(declared: Any, live: Any, lookup: Lookup | None) -> Any:
    """The live value as the planner should compare and show it (module docstring).

    Mappings are shielded entry by entry, so one changed theme setting does not hide
    the others; a value without references is returned as it is.
    """
    if is_reference(live) or not any(True for _ in references(declared)):
        return live  # a variable's name (a webhook header) is no secret
    if isinstance(declared, Mapping) and not is_reference(declared) and isinstance(live, Mapping):
        return {
            name: shield(declared[name], item, lookup) if name in declared else item
            for name, item in live.items()
        }
    return declared if matches(declared, live, lookup) else HIDDEN
