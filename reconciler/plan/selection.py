"""``--only KIND[:KEY-GLOB]`` and ``--exclude KIND[:KEY-GLOB]``: which items a plan covers.

A rule names a kind by name or plural (``product``, ``products``, ``price-lists``) and
optionally a glob on the natural key (:func:`fnmatch.fnmatchcase`; case-insensitive for
kinds whose keys are): ``product:TRAIL-*``, ``category:Footwear/*``. The kind is what
comes before the *first* colon, so keys with colons work (``category:channel:2/*``).

An item is selected when it matches some ``--only`` rule (or there are none) and no
``--exclude`` rule. The selection is applied to the declared *and* the live side before
diffing, so a selected plan never creates, updates or deletes anything outside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from reconciler.errors import ConfigError
from reconciler.kinds.base import Kind
from reconciler.kinds.registry import kind_named


@dataclass(frozen=True)
class Rule:
    """One ``KIND[:KEY-GLOB]`` rule; ``glob`` ``None`` means every item of the kind."""

    kind: str
    glob: str | None = None

    @classmethod
    def parse(cls, text: str, option: str) -> Rule:
        name, sep, glob = text.partition(":")
        if not name.strip():
            raise ConfigError(
                f"{option} {text!r}: name a kind first",
                hint=f"write {option} KIND or {option} KIND:KEY-GLOB"
                f" (e.g. {option} product:TRAIL-*)",
            )
        kind = kind_named(name)
        if sep and not glob:
            raise ConfigError(
                f"{option} {text!r}: the key glob after ':' is empty",
                hint=f"write {option} {kind.name} for every {kind.name}, or give a glob",
            )
        return cls(kind.name, glob if sep else None)

    def matches(self, kind: Kind[Any], key: str) -> bool:
        if kind.name != self.kind:
            return False
        if self.glob is None:
            return True
        if kind.case_insensitive_key:
            return fnmatchcase(key.casefold(), self.glob.casefold())
        return fnmatchcase(key, self.glob)

    def __str__(self) -> str:
        return self.kind if self.glob is None else f"{self.kind}:{self.glob}"


@dataclass(frozen=True)
class Selection:
    """The ``--only`` and ``--exclude`` rules of one plan (module docstring)."""

    only: tuple[Rule, ...] = ()
    exclude: tuple[Rule, ...] = ()

    @classmethod
    def parse(cls, only: Sequence[str] = (), exclude: Sequence[str] = ()) -> Selection:
        """Rules from command-line values; :class:`ConfigError` names a bad one."""
        return cls(
            tuple(Rule.parse(text, "--only") for text in only),
            tuple(Rule.parse(text, "--exclude") for text in exclude),
        )

    @property
    def is_everything(self) -> bool:
        return not self.only and not self.exclude

    def covers(self, kind: Kind[Any]) -> bool:
        """Whether any item of ``kind`` can be selected."""
        if self.only and not any(rule.kind == kind.name for rule in self.only):
            return False
        return not any(rule.kind == kind.name and rule.glob is None for rule in self.exclude)

    def kinds(self, kinds: Sequence[Kind[Any]]) -> tuple[Kind[Any], ...]:
        """The kinds of ``kinds`` this selection covers, in the given order."""
        return tuple(kind for kind in kinds if self.covers(kind))

    def selects(self, kind: Kind[Any], key: str) -> bool:
        """Whether the ``kind`` item with natural key ``key`` is selected."""
        if self.only and not any(rule.matches(kind, key) for rule in self.only):
            return False
        return not any(rule.matches(kind, key) for rule in self.exclude)

    def arguments(self) -> tuple[str, ...]:
        """The rules as command-line arguments, for the record in the plan."""
        return tuple(f"--only {rule}" for rule in self.only) + tuple(
            f"--exclude {rule}" for rule in self.exclude
        )


EVERYTHING = Selection()
