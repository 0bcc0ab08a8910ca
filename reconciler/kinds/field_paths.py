"""Dotted paths to the fields of a kind's model: ``inventory_level``,
``variants.*.inventory_level`` (``*``: every entry of a list).

Settings that name fields of an item (the ``lifecycle`` settings of ``stagingpro.yaml``)
are checked against :func:`field_paths`, so a typo is an error naming the valid paths
instead of a rule that silently matches nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from reconciler.kinds.base import Kind

ENTRY = "*"
"""The path step that stands for every entry of a list."""


@cache
def field_paths(kind: Kind[Any]) -> tuple[str, ...]:
    """Every path a setting may name in ``kind``'s items, in model order: each field, and
    inside lists of parts (``variants``) and nested parts each of their fields. Natural
    keys (the item's and each keyed list entry's) are left out: they are how items are
    matched, so they are always managed."""
    keys = {*kind.key_fields}
    for list_name, entry_keys in kind.merge_keys.items():
        keys.update(f"{list_name}.{ENTRY}.{name}" for name in entry_keys)
    return tuple(path for path, _ in _walk(kind.model, "") if path not in keys)


@cache
def required_paths(kind: Kind[Any]) -> frozenset[str]:
    """The paths of fields an item (or a list entry) cannot be created without."""
    return frozenset(path for path, required in _walk(kind.model, "") if required)


def path_problem(kind: Kind[Any], path: str) -> str | None:
    """Why ``path`` names no field of ``kind`` (None: it does)."""
    valid = field_paths(kind)
    if path in valid:
        return None
    if path in kind.key_fields or path.endswith(tuple(f".{ENTRY}.{k}" for keys in
                                                      kind.merge_keys.values() for k in keys)):
        return f"{path!r} is a natural key of {kind.name} items: keys are always managed"
    close = difflib.get_close_matches(path, valid, n=1, cutoff=0.7)
    hint = f"did you mean {close[0]!r}? " if close else ""
    # Name the fields beside the one meant (inside variants.* for a variant's field).
    parent = path.rpartition(".")[0]
    while parent and not any(p.startswith(f"{parent}.") for p in valid):
        parent = parent.rpartition(".")[0]
    prefix = f"{parent}." if parent else ""
    siblings = [p for p in valid if p.startswith(prefix) and "." not in p[len(prefix):]]
    where = f"{kind.name} {parent}" if parent else kind.name
    return (
        f"{path!r} is not a field of {kind.name}; {hint}the fields of {where} are:"
        f" {', '.join(siblings)}; a list's entries are LIST.*.FIELD"
    )


def _walk(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, bool]]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path, info.is_required()
        for part, in_list in _parts(info.annotation, in_list=False):
            yield from _walk(part, f"{path}.{ENTRY}." if in_list else f"{path}.")


def _parts(annotation: Any, *, in_list: bool) -> Iterator[tuple[type[BaseModel], bool]]:
    """The nested models an annotation holds, and whether inside a list."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _parts(get_args(annotation)[0], in_list=in_list)
    elif origin in (Union, UnionType):
        for arg in get_args(annotation):
            if arg is not NoneType:
                yield from _parts(arg, in_list=in_list)
    elif origin is list and not in_list:
        yield from _parts(get_args(annotation)[0], in_list=True)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, in_list
