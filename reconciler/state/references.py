"""Checks across items: duplicate keys, unique values, references and files.

They run on one environment's complete set of items (after overlays), because an overlay
can remove the target of a reference or add a clashing value.
"""

from __future__ import annotations

import bisect
import difflib
import posixpath
import stat
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler import repo_files
from reconciler.errors import Problem, UnsafeFileError
from reconciler.kinds.base import FileRef, Kind, Reference, UniqueValue
from reconciler.state.items import DeclaredItem


def problem_at(item: DeclaredItem, path: tuple[str | int, ...], message: str) -> Problem:
    """A :class:`Problem` about ``item`` at the value ``path`` inside it."""
    place = item.locate(path)
    return Problem(place.file, place.line, place.column, message, item.kind.name, item.key)


SUGGESTION_POOL = 2000
"""At most this many candidates are compared with difflib (about ten microseconds
each): a price list may name a thousand unknown SKUs among 200,000."""


class Suggestions:
    """Candidates for did-you-mean, sorted once; a large pool is narrowed to the
    candidates sorting nearest the value (those sharing its longest prefixes)."""

    def __init__(self, candidates: Iterable[str]) -> None:
        self._sorted = sorted(set(candidates))
        self._folded = [c.casefold() for c in self._sorted]

    def near(self, value: str) -> list[str]:
        if len(self._sorted) <= SUGGESTION_POOL:
            return self._sorted
        middle = bisect.bisect_left(self._folded, value.casefold())
        half = SUGGESTION_POOL // 2
        return self._sorted[max(0, middle - half) : middle + half]


def did_you_mean(value: str, candidates: Iterable[str] | Suggestions) -> str:
    """`` — did you mean 'x'?`` for the closest candidate, or an empty string."""
    pool = (candidates if isinstance(candidates, Suggestions) else Suggestions(candidates)).near(
        value
    )
    close = difflib.get_close_matches(value, pool, n=1, cutoff=0.6)
    if not close:  # same word in another case, or an abbreviation ("prod")
        folded = value.casefold()
        close = [c for c in pool if c.casefold() == folded][:1] or [
            c for c in pool if folded and c.casefold().startswith(folded)
        ][:1]
    return f" — did you mean '{close[0]}'?" if close else ""


@dataclass(frozen=True)
class _Facts:
    references: tuple[Reference, ...]
    unique_values: tuple[UniqueValue, ...]
    files: tuple[FileRef, ...]


class CrossChecker:
    """Runs the cross-item checks; caches each item's references, unique values and
    files so that items shared by several environments are asked only once."""

    def __init__(self, root: Path, kinds: Iterable[Kind[Any]]) -> None:
        self._root = root
        self._kinds = {kind.name: kind for kind in kinds}
        self._facts: dict[int, tuple[DeclaredItem, _Facts]] = {}
        self._exists: dict[str, bool | str | UnsafeFileError | None] = {}
        self._suggestions: dict[str, Suggestions] = {}  # per check(): items differ

    def facts(self, item: DeclaredItem) -> _Facts:
        cached = self._facts.get(id(item))
        if cached is not None and cached[0] is item:
            return cached[1]
        kind, model = item.kind, item.model
        found = _Facts(
            tuple(kind.references(model)),
            tuple(kind.unique_values(model)),
            tuple(kind.files(model)),
        )
        self._facts[id(item)] = (item, found)
        return found

    def check(
        self,
        items: Mapping[str, Mapping[str, DeclaredItem]],
        invalid: Mapping[str, Set[str]],
        unreadable: Set[str] = frozenset(),
    ) -> list[Problem]:
        """Every unique-value clash, dangling reference and missing file among ``items``.

        ``invalid`` holds, per kind, the match keys of items that failed validation:
        references to them are not reported (the item's own problems are). ``unreadable``
        names kinds with a file that could not be read: references to those kinds, and to
        namespaces they fill (``SKU``), are not reported (the file's problem is).
        """
        problems: list[Problem] = []
        self._suggestions = {}
        namespaces: dict[str, dict[str, tuple[DeclaredItem, UniqueValue]]] = {}
        unknown = set(unreadable)
        for by_key in items.values():
            for item in by_key.values():
                for value in self.facts(item).unique_values:
                    if item.kind.name in unreadable:
                        unknown.add(value.namespace)
                    seen = namespaces.setdefault(value.namespace, {})
                    first = seen.get(value.value)
                    if first is None:
                        seen[value.value] = (item, value)
                        continue
                    other, other_value = first
                    place = other.locate(other_value.path)
                    owner = "" if other is item else f" by {other.kind.name} {other.key}"
                    why = f"; {value.why}" if value.why else ""
                    problems.append(
                        problem_at(
                            item,
                            value.path,
                            f"duplicate {value.namespace} '{value.shown}'; also used{owner}"
                            f" at {place.file}:{place.line}:{place.column}{why}",
                        )
                    )
        for by_key in items.values():
            for item in by_key.values():
                facts = self.facts(item)
                for reference in facts.references:
                    if reference.kind in unknown or (
                        unreadable and reference.kind not in self._kinds
                        and reference.kind not in namespaces
                    ):
                        continue  # its target may be in a file that could not be read
                    problem = self._dangling(item, reference, items, namespaces, invalid)
                    if problem is not None:
                        problems.append(problem)
                for file_ref in facts.files:
                    problem = self._missing(item, file_ref)
                    if problem is not None:
                        problems.append(problem)
        return problems

    def _dangling(
        self,
        item: DeclaredItem,
        reference: Reference,
        items: Mapping[str, Mapping[str, DeclaredItem]],
        namespaces: Mapping[str, Mapping[str, tuple[DeclaredItem, UniqueValue]]],
        invalid: Mapping[str, Set[str]],
    ) -> Problem | None:
        targets = items.get(reference.kind)
        if targets is not None:
            kind = self._kinds.get(reference.kind)
            match = kind.match_key(reference.key) if kind else reference.key
            if match in targets or match in invalid.get(reference.kind, ()):
                return None
            known = self._suggestions.get(reference.kind)
            if known is None:
                known = Suggestions(target.key for target in targets.values())
        elif reference.kind in namespaces or reference.match:
            values = namespaces.get(reference.kind, {})
            if (reference.match or reference.key) in values:
                return None
            known = self._suggestions.get(reference.kind)
            if known is None:
                known = Suggestions(value.shown for _, value in values.values())
        else:
            known = Suggestions(())
        self._suggestions[reference.kind] = known
        hint = did_you_mean(reference.key, known)
        return problem_at(
            item,
            reference.path,
            f"unknown {reference.kind} '{reference.key}'{hint or '; it is not declared'}",
        )

    def _missing(self, item: DeclaredItem, file_ref: FileRef) -> Problem | None:
        declared_in = item.declared_at(file_ref.path).file
        # posixpath, not Path: the result is a display path relative to the state root
        target = posixpath.normpath(
            posixpath.join(posixpath.dirname(declared_in), file_ref.relative_path)
        )
        what = "directory" if file_ref.directory else "file"
        found = self._stat(target, file_ref.directory)
        if found == file_ref.directory:
            return None
        if isinstance(found, UnsafeFileError):
            if target.startswith(".."):
                message = f"{what} '{file_ref.relative_path}' is outside the state directory"
            elif file_ref.directory:  # a file inside it is refused
                message = f"{what} {target}: {found.reason}"
            else:
                message = f"{what} '{file_ref.relative_path}': {found.reason}"
        elif found is None:
            message = (
                f"{what} '{file_ref.relative_path}' not found (looked for {target},"
                f" relative to {declared_in})"
            )
        else:
            shown = found if isinstance(found, str) else "a directory" if found else "a file"
            message = f"{what} '{file_ref.relative_path}' is {shown} ({target})"
        return problem_at(item, file_ref.path, message)

    def _stat(self, target: str, directory: bool) -> bool | str | UnsafeFileError | None:
        """What ``target`` is: True for a folder whose files may all be read, False for a
        regular file, a description of anything else, None when missing, or why it may
        not be read (it leads outside the state directory, or holds a link that does)."""
        cached = self._exists.get(target)
        if cached is None:
            cached = self._exists[target] = _what_is(self._root, target, directory)
        return cached


def _what_is(root: Path, target: str, directory: bool) -> bool | str | UnsafeFileError | None:
    try:
        real = repo_files.resolve(root, target)
        mode = real.stat().st_mode
        if stat.S_ISDIR(mode):
            if directory:  # its files are read (a theme's): every one must be safe
                repo_files.walk_files(real, inside=f"the folder {target}")
            return True
    except UnsafeFileError as unsafe:
        return unsafe
    except OSError:
        return None
    return False if stat.S_ISREG(mode) else "not a regular file (a FIFO, socket or device)"
