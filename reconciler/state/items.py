"""The loaded form of the declared state: :class:`DeclaredItem` and :class:`DeclaredState`.

Both are immutable values. Later stages (plan, apply, export) read items by kind and
natural key and ask an item where any of its values is written (:meth:`DeclaredItem.locate`)
to point their own messages at the YAML.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.config import ProjectConfig
from reconciler.kinds.base import FieldPath, ItemModel, Kind
from reconciler.state.positions import Place, Positions


@dataclass(frozen=True)
class Source:
    """Where an item is declared: ``file`` relative to the state root and the path of the
    item inside that file's document (``()`` for a one-item file, ``("products", 3)``)."""

    file: str
    path: FieldPath

    def __str__(self) -> str:
        inside = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)
        return f"{self.file}{inside}"


def declared_at(
    source: Source, origins: Mapping[FieldPath, Source], field_path: FieldPath
) -> Source:
    """Where the value at ``field_path`` of an item declared at ``source`` is written,
    given the ``origins`` of values an overlay wrote (longest matching prefix wins)."""
    for length in range(len(field_path), -1, -1):
        origin = origins.get(field_path[:length])
        if origin is not None:
            return Source(origin.file, (*origin.path, *field_path[length:]))
    return Source(source.file, (*source.path, *field_path))


@dataclass(frozen=True, eq=False)
class DeclaredItem:
    """One declared item of one environment, validated by its kind's model.

    ``source`` is the file that declares it (base file, or an environment's own file);
    ``overlays`` the overlay files that patched it. ``origins`` maps field paths written
    by an overlay to where they are written there.
    """

    kind: Kind[Any]
    key: str
    model: ItemModel
    source: Source
    positions: Positions = field(repr=False)
    overlays: tuple[str, ...] = ()
    origins: Mapping[FieldPath, Source] = field(default_factory=dict, repr=False)

    @property
    def match_key(self) -> str:
        """The key in the form used for matching (:meth:`Kind.match_key`)."""
        return self.kind.match_key(self.key)

    def declared_at(self, field_path: FieldPath = ()) -> Source:
        """The file and document path where the value at ``field_path`` is written."""
        return declared_at(self.source, self.origins, field_path)

    def locate(self, field_path: FieldPath = (), *, key: bool = False) -> Place:
        """``(file, line, column)`` of the value at ``field_path`` (of its key with
        ``key=True``); a field that is not written resolves to its enclosing mapping."""
        where = self.declared_at(field_path)
        return self.positions.locate(where.file, where.path, key=key)


@dataclass(frozen=True)
class DeclaredState:
    """The declared state of one environment: base, plus that environment's overlay.

    ``items`` maps each kind name, in the registry's (apply) order, to its items keyed
    by :meth:`Kind.match_key` in the order they are declared (file path order).
    """

    root: Path
    environment: str
    config: ProjectConfig
    items: Mapping[str, Mapping[str, DeclaredItem]]

    def __iter__(self) -> Iterator[DeclaredItem]:
        for by_key in self.items.values():
            yield from by_key.values()

    def __len__(self) -> int:
        return sum(len(by_key) for by_key in self.items.values())

    def get(self, kind: str, key: str) -> DeclaredItem | None:
        """The item of ``kind`` with natural key ``key`` (matched as the kind matches)."""
        by_key = self.items.get(kind)
        if not by_key:
            return None
        first = next(iter(by_key.values()))
        return by_key.get(first.kind.match_key(key))

    def counts(self) -> dict[str, int]:
        """Number of items per kind name (kinds without items left out)."""
        return {name: len(by_key) for name, by_key in self.items.items() if by_key}
